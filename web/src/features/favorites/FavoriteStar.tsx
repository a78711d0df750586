// The star on a record's page and beside an open saved view: on, it is a favourite.

import type { FavoriteTarget } from "../../api/kith";
import { useFavoriteToggle } from "./favorites";
import { Problem } from "../../ui/Problem";

export function FavoriteStar({ workspace, target, what }: { workspace: string; target: FavoriteTarget; what: string }) {
  const { favorite, problem, pending, toggle } = useFavoriteToggle(workspace, target);
  const on = Boolean(favorite);
  return (
    <span className="favorite-star">
      <button
        type="button"
        aria-pressed={on}
        aria-label="Favourite"
        title={on ? `Remove ${what} from the favourites` : `Keep ${what} in the favourites`}
        disabled={pending}
        onClick={toggle}
      >
        {on ? "★" : "☆"}
      </button>
      <Problem message={problem} inline />
    </span>
  );
}
