// The sidebar's favourites: which one a star stands for, where a moved one lands, where each
// leads. Kept pure; the hooks beside them hold the server's list in TanStack Query.

import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type Favorite, type FavoriteTarget } from "../../api/kith";
import { ApiError } from "../../api/client";
import { positionBetween } from "../kanban/board";

export const favoritesKey = (workspace: string) => ["favorites", workspace];

/** The favourite of `target` among `list`, if it is one. */
export function findFavorite(list: Favorite[], target: FavoriteTarget): Favorite | undefined {
  return list.find((f) => ("viewId" in target ? f.viewId === target.viewId : f.recordId === target.recordId));
}

/** Where a favourite goes: its record's page, or its object's table with the view open. */
export function favoriteHref(workspace: string, favorite: Favorite): string {
  const list = `/w/${workspace}/${favorite.objectNamePlural}`;
  return favorite.viewId ? `${list}?v=${encodeURIComponent(favorite.viewId)}` : `${list}/${favorite.recordId ?? ""}`;
}

/** The list with the favourite at `from` moved to `to`, and the position to send for it
 *  (between its new neighbours); null when it stays where it is. */
export function planFavoriteMove(list: Favorite[], from: number, to: number): { list: Favorite[]; position: number } | null {
  const moved = list[from];
  if (!moved || from === to || to < 0 || to >= list.length) return null;
  const others = list.filter((_, i) => i !== from);
  const position = positionBetween(others[to - 1]?.position, others[to]?.position);
  const next = [...others.slice(0, to), { ...moved, position }, ...others.slice(to)];
  return { list: next, position };
}

function reason(caught: unknown): string {
  return caught instanceof ApiError ? caught.message : String(caught);
}

export function useFavorites(workspace: string) {
  return useQuery({ queryKey: favoritesKey(workspace), queryFn: () => api.favorites(workspace) });
}

/** A star's state and its toggle: shown at once, put back with the server's reason if refused. */
export function useFavoriteToggle(workspace: string, target: FavoriteTarget) {
  const queries = useQueryClient();
  const key = favoritesKey(workspace);
  const list = useFavorites(workspace);
  const [problem, setProblem] = useState<string | null>(null);
  const favorite = findFavorite(list.data ?? [], target);
  const toggle = useMutation({
    mutationFn: (existing: Favorite | undefined) =>
      existing ? api.removeFavorite(workspace, existing.id) : api.addFavorite(workspace, target),
    onMutate: async (existing) => {
      setProblem(null);
      await queries.cancelQueries({ queryKey: key });
      const before = queries.getQueryData<Favorite[]>(key);
      if (existing) queries.setQueryData<Favorite[]>(key, (was) => (was ?? []).filter((f) => f.id !== existing.id));
      return { before };
    },
    onError: (caught, _existing, context) => {
      queries.setQueryData(key, context?.before);
      setProblem(`Not saved. ${reason(caught)}`);
    },
    onSettled: () => queries.invalidateQueries({ queryKey: key }),
  });
  return { favorite, problem, pending: toggle.isPending || list.isPending, toggle: () => toggle.mutate(favorite) };
}

/** Moves a favourite in the sidebar: at once, then saved; the old order back if refused. */
export function useFavoriteMove(workspace: string) {
  const queries = useQueryClient();
  const key = favoritesKey(workspace);
  const [problem, setProblem] = useState<string | null>(null);
  const move = useMutation({
    mutationFn: ({ id, position }: { id: string; position: number; before: Favorite[] }) => api.moveFavorite(workspace, id, position),
    onError: (caught, { before }) => {
      queries.setQueryData(key, before);
      setProblem(`Not moved. ${reason(caught)}`);
    },
    onSettled: () => queries.invalidateQueries({ queryKey: key }),
  });
  return {
    problem,
    move: (list: Favorite[], from: number, to: number) => {
      const plan = planFavoriteMove(list, from, to);
      const moved = list[from];
      if (!plan || !moved) return;
      setProblem(null);
      queries.setQueryData(key, plan.list);
      move.mutate({ id: moved.id, position: plan.position, before: list });
    },
  };
}
