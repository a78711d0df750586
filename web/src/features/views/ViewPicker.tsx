import { useEffect, useState, type FormEvent } from "react";
import { usePopover } from "../../ui/popover";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type ObjectMeta, type SavedView } from "../../api/kith";
import { ApiError } from "../../api/client";
import { VIEW_KEYS, isModified, specFromSearch, viewSearch } from "./views";
import { FavoriteStar } from "../favorites/FavoriteStar";
import { favoritesKey } from "../favorites/favorites";
import { Problem } from "../../ui/Problem";

interface Props {
  workspace: string;
  object: ObjectMeta;
  search: URLSearchParams;
  /** Shows the page with this address. */
  go: (search: URLSearchParams) => void;
  /** Whether the person may share views (members and above). */
  canShare: boolean;
}

/** The header's view menu: the object's saved views, and saving what the table shows. */
export function ViewPicker({ workspace, object, search, go, canShare }: Props) {
  const queries = useQueryClient();
  const key = ["views", workspace, object.id];
  const views = useQuery({ queryKey: key, queryFn: () => api.views(workspace, object.id) });
  const popover = usePopover();
  const { open, wrapper, button } = popover;
  const [naming, setNaming] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const current = views.data?.find((v) => v.id === search.get("v"));
  const modified = current ? isModified(current, search, object.fields) : false;
  const refresh = () => queries.invalidateQueries({ queryKey: key });
  const failed = (error: unknown) => setProblem(error instanceof ApiError ? error.message : String(error));

  // A view opened by its address alone (`?v=…`) shows its own settings.
  useEffect(() => {
    const bare = VIEW_KEYS.every((k) => k === "v" || !search.has(k));
    if (current && bare) go(viewSearch(current, search));
  }, [current, search, go]);

  const create = useMutation({
    mutationFn: (input: { name: string; shared: boolean }) =>
      api.createView(workspace, {
        objectMetadataId: object.id,
        name: input.name,
        visibility: input.shared ? "workspace" : "personal",
        kanbanField: null,
        ...specFromSearch(search, object.fields),
      }),
    onSuccess: async (view) => {
      await refresh();
      close();
      go(viewSearch(view, search));
    },
    onError: failed,
  });
  const save = useMutation({
    mutationFn: (view: SavedView) => api.updateView(workspace, view.id, specFromSearch(search, object.fields)),
    onSuccess: async () => {
      await refresh();
      close();
    },
    onError: failed,
  });
  const remove = useMutation({
    mutationFn: (view: SavedView) => api.deleteView(workspace, view.id),
    onSuccess: async () => {
      await refresh();
      // Its favourites went with it.
      void queries.invalidateQueries({ queryKey: favoritesKey(workspace) });
      close();
      go(withoutView(search));
    },
    onError: failed,
  });

  function close() {
    popover.close();
    setNaming(false);
    setProblem(null);
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    create.mutate({ name: String(form.get("name") ?? ""), shared: form.get("shared") === "on" });
  }

  const label = current ? current.name : `All ${object.labelPlural.toLowerCase()}`;
  return (
    <div className="view-picker" ref={wrapper}>
      <button ref={button} type="button" aria-expanded={open} aria-haspopup="true" onClick={() => (open ? close() : popover.toggle())}>
        {label}
        {modified && <span className="muted"> (edited)</span>} ▾
      </button>
      {current && <FavoriteStar workspace={workspace} target={{ viewId: current.id }} what={`the view ${current.name}`} />}
      {open && (
        <div className="popover" role="dialog" aria-label="Views">
          <ul className="view-list">
            <li>
              <button type="button" aria-current={!current} onClick={() => { go(withoutView(search)); close(); }}>
                All {object.labelPlural.toLowerCase()}
              </button>
            </li>
            {views.data?.map((view) => (
              <li key={view.id}>
                <button type="button" aria-current={view.id === current?.id} onClick={() => { go(viewSearch(view, search)); close(); }}>
                  {view.name}
                  <span className="muted"> {view.visibility === "workspace" ? "· shared" : "· only you"}</span>
                </button>
              </li>
            ))}
          </ul>
          <Problem message={views.error?.message} />
          <div className="view-actions">
            {current && modified && (current.visibility === "personal" || canShare) && (
              <button type="button" onClick={() => save.mutate(current)} disabled={save.isPending}>
                Save changes to “{current.name}”
              </button>
            )}
            {naming ? (
              <form onSubmit={submit} className="view-form">
                <label className="field">
                  <span>View name</span>
                  <input name="name" required maxLength={100} autoFocus />
                </label>
                {canShare && (
                  <label>
                    <input type="checkbox" name="shared" /> Share with the workspace
                  </label>
                )}
                <button className="primary" type="submit" disabled={create.isPending}>
                  Save view
                </button>
              </form>
            ) : (
              <button type="button" onClick={() => setNaming(true)}>
                Save as new view…
              </button>
            )}
            {current && (current.visibility === "personal" || canShare) && (
              <button type="button" className="danger" onClick={() => remove.mutate(current)} disabled={remove.isPending}>
                Delete “{current.name}”
              </button>
            )}
          </div>
          <Problem message={problem} />
        </div>
      )}
    </div>
  );
}

function withoutView(search: URLSearchParams): URLSearchParams {
  const next = new URLSearchParams(search);
  for (const key of VIEW_KEYS) next.delete(key);
  return next;
}
