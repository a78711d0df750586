// The sidebar's Favourites: each with its object's icon, leading to the record or the view;
// reordered by dragging, or with Alt+↑ / Alt+↓ on a focused one.

import { useState, type DragEvent, type KeyboardEvent } from "react";
import { Link, useLocation, useSearch } from "wouter";
import type { Favorite, ObjectMeta } from "../../api/kith";
import { ObjectIcon } from "./ObjectIcon";
import { favoriteHref, useFavoriteMove, useFavorites } from "./favorites";
import { Problem } from "../../ui/Problem";

interface Props {
  workspace: string;
  objects: ObjectMeta[];
}

export function Favorites({ workspace, objects }: Props) {
  const favorites = useFavorites(workspace);
  const { move, problem } = useFavoriteMove(workspace);
  const [dragged, setDragged] = useState<number | null>(null);
  const [location] = useLocation();
  const search = new URLSearchParams(useSearch());
  const list = favorites.data ?? [];

  const isCurrent = (favorite: Favorite) =>
    favorite.viewId
      ? location === `/w/${workspace}/${favorite.objectNamePlural}` && search.get("v") === favorite.viewId
      : location === favoriteHref(workspace, favorite);

  function keyDown(event: KeyboardEvent<HTMLAnchorElement>, at: number) {
    if (!event.altKey || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
    event.preventDefault();
    const target = event.currentTarget.closest("ul");
    move(list, at, at + (event.key === "ArrowUp" ? -1 : 1));
    // The moved link keeps the keyboard in its new place.
    const to = at + (event.key === "ArrowUp" ? -1 : 1);
    requestAnimationFrame(() => target?.querySelectorAll<HTMLElement>("a")[to]?.focus());
  }
  function drop(event: DragEvent<HTMLLIElement>, at: number) {
    event.preventDefault();
    if (dragged !== null) move(list, dragged, at);
    setDragged(null);
  }

  return (
    <section className="favorites" aria-labelledby="favorites-title">
      <h2 id="favorites-title">Favourites</h2>
      {favorites.error && (
        <p className="problem" role="alert">
          {favorites.error.message}
        </p>
      )}
      {favorites.isSuccess && list.length === 0 && <p className="muted">Star a record or a view to keep it here.</p>}
      {list.length > 0 && (
        <ul className="objects" aria-label="Favourites" aria-describedby="favorites-help">
          {list.map((favorite, at) => {
            const object = objects.find((o) => o.id === favorite.objectMetadataId);
            return (
              <li
                key={favorite.id}
                draggable
                className={dragged === at ? "dragging" : undefined}
                onDragStart={(event) => {
                  event.dataTransfer.effectAllowed = "move";
                  setDragged(at);
                }}
                onDragOver={(event) => event.preventDefault()}
                onDrop={(event) => drop(event, at)}
                onDragEnd={() => setDragged(null)}
              >
                <Link
                  href={favoriteHref(workspace, favorite)}
                  aria-current={isCurrent(favorite) ? "page" : undefined}
                  aria-keyshortcuts="Alt+ArrowUp Alt+ArrowDown"
                  onKeyDown={(event) => keyDown(event, at)}
                >
                  <ObjectIcon name={favorite.viewId ? "view" : (object?.icon ?? "")} />
                  {favorite.label || "Untitled"}
                  {favorite.viewId && object && <span className="muted"> · {object.labelPlural}</span>}
                </Link>
              </li>
            );
          })}
        </ul>
      )}
      <span id="favorites-help" className="visually-hidden">
        Alt+Up and Alt+Down move a favourite.
      </span>
      <Problem message={problem} />
    </section>
  );
}
