import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useLocation } from "wouter";
import { api, type Me } from "../../api/kith";
import { applyTheme, type Theme } from "../../ui/theme";
import { Favorites } from "../favorites/Favorites";
import { ObjectIcon } from "../favorites/ObjectIcon";

/** What `current` is while the settings are open (no object's plural: the route takes it first). */
export const SETTINGS = "settings";

interface Props {
  me: Me;
  workspace: string;
  current: string;
  openPalette: () => void;
}

/** The workspace switcher, the favourites, every active object (standard first, then custom),
 *  and signing out. */
export function Sidebar({ me, workspace, current, openPalette }: Props) {
  const queries = useQueryClient();
  const [, navigate] = useLocation();
  const workspaces = useQuery({ queryKey: ["workspaces"], queryFn: api.workspaces });
  const objects = useQuery({ queryKey: ["objects", workspace], queryFn: () => api.objects(workspace) });
  const shown = (objects.data ?? [])
    .filter((object) => object.isActive)
    .sort((a, b) => Number(a.isCustom) - Number(b.isCustom));

  async function chooseTheme(theme: Theme) {
    applyTheme(theme);
    const saved = await api.setTheme(theme);
    queries.setQueryData(["me"], saved);
  }

  async function logOut() {
    await api.logOut();
    queries.clear();
    applyTheme("system");
    navigate("/login");
  }

  return (
    <nav className="sidebar" aria-label="Workspace">
      <label className="field">
        <span className="visually-hidden">Workspace</span>
        <select value={workspace} onChange={(event) => navigate(`/w/${event.target.value}/companies`)}>
          {(workspaces.data ?? []).map((w) => (
            <option key={w.id} value={w.id}>
              {w.name}
            </option>
          ))}
        </select>
      </label>
      <button type="button" className="search" onClick={openPalette} aria-keyshortcuts="Control+K Meta+K">
        Search <kbd>Ctrl K</kbd>
      </button>
      <Favorites workspace={workspace} objects={objects.data ?? []} />
      <ul className="objects">
        {shown.map((object) => (
          <li key={object.id}>
            <Link
              href={`/w/${workspace}/${object.namePlural}`}
              aria-current={object.namePlural === current ? "page" : undefined}
            >
              <ObjectIcon name={object.icon} />
              {object.labelPlural}
            </Link>
          </li>
        ))}
      </ul>
      <Link
        className="settings-link"
        href={`/w/${workspace}/settings`}
        aria-current={current === SETTINGS ? "page" : undefined}
      >
        Settings
      </Link>
      <label className="field theme">
        <span>Theme</span>
        <select value={me.theme} onChange={(event) => void chooseTheme(event.target.value as Theme)}>
          <option value="system">System</option>
          <option value="light">Light</option>
          <option value="dark">Dark</option>
        </select>
      </label>
      <div className="me">
        <span title={me.email}>{me.name}</span>
        <button type="button" onClick={logOut}>
          Sign out
        </button>
      </div>
    </nav>
  );
}
