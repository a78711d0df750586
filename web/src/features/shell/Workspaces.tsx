import { Suspense, lazy, useEffect, useState, type ReactNode } from "react";
import { useQuery } from "@tanstack/react-query";
import { Link, Redirect, Route, Switch, useParams, useSearch } from "wouter";
import { api, type Me } from "../../api/kith";
import { SETTINGS, Sidebar } from "./Sidebar";
import { RecordList } from "../records/RecordList";
import { RecordPage } from "../records/RecordPage";
import { NewWorkspace } from "./NewWorkspace";
import { applyTheme } from "../../ui/theme";
import { Palette, usePaletteShortcut } from "../palette/Palette";
import { WorkspaceRole } from "./role";
import { LiveChanges } from "../live/LiveChanges";
import { TasksScreen } from "../tasks/TasksScreen";
import { ToastProvider } from "../../ui/Toast";

// Settings are opened rarely: their screens load on first use, not with the app.
const Settings = lazy(() => import("../settings/Settings").then((module) => ({ default: module.Settings })));
// So is importing a file.
const ImportPage = lazy(() => import("../imports/ImportPage").then((module) => ({ default: module.ImportPage })));

/** The signed-in app: `/w/{workspace}/{object}`; `/` opens the first workspace's companies. */
export function Workspaces({ me }: { me: Me }) {
  useEffect(() => applyTheme(me.theme), [me.theme]);
  const workspaces = useQuery({ queryKey: ["workspaces"], queryFn: api.workspaces });
  if (workspaces.isPending) return <div className="splash" aria-busy="true" />;
  if (workspaces.error) {
    return (
      <main className="splash">
        <p role="alert">{workspaces.error.message}</p>
      </main>
    );
  }
  const first = workspaces.data[0];
  if (!first) return <NewWorkspace />;
  return (
    <Switch>
      {/* Before the objects' routes, which would read "settings" as an object's name. */}
      <Route path="/w/:workspace/settings/:section?">
        <InSettings me={me} />
      </Route>
      <Route path="/w/:workspace/:plural/:id">
        <InWorkspace me={me} />
      </Route>
      <Route path="/w/:workspace/:plural?">
        <InWorkspace me={me} />
      </Route>
      <Route>
        <Redirect to={`/w/${first.id}/companies`} replace />
      </Route>
    </Switch>
  );
}

function InWorkspace({ me }: { me: Me }) {
  const { workspace = "", plural = "companies", id } = useParams<{ workspace: string; plural?: string; id?: string }>();
  // Tasks open as their own screen, which takes no parameters: any (?view=table, then the
  // table's own sort, filter, kanban…) means the generic list, so its controls keep working.
  const asTable = new URLSearchParams(useSearch()).size > 0;
  const workspaces = useQuery({ queryKey: ["workspaces"], queryFn: api.workspaces });
  const open = workspaces.data?.find((w) => w.id === workspace);
  return (
    <Shell me={me} workspace={workspace} current={plural}>
      {open?.requireTwoFactor && !me.twoFactor ? (
        <TwoFactorNeeded workspace={workspace} name={open.name} />
      ) : id === "import" ? (
        <Suspense fallback={<p className="muted" aria-busy="true">Loading…</p>}>
          <ImportPage key={`${workspace}/${plural}`} workspace={workspace} plural={plural} />
        </Suspense>
      ) : id ? (
        <RecordPage key={`${workspace}/${plural}/${id}`} workspace={workspace} plural={plural} id={id} />
      ) : plural === "tasks" && !asTable ? (
        <TasksScreen key={workspace} workspace={workspace} />
      ) : (
        <RecordList key={`${workspace}/${plural}`} workspace={workspace} plural={plural} />
      )}
    </Shell>
  );
}

/** In place of a workspace that keeps out members without two-factor sign-in. */
function TwoFactorNeeded({ workspace, name }: { workspace: string; name: string }) {
  return (
    <section className="settings-card" aria-labelledby="two-factor-needed">
      <h1 id="two-factor-needed">{name} requires two-factor sign-in</h1>
      <p>Its owners keep out accounts that sign in with a password alone. Turn on two-factor sign-in for your account, then come back.</p>
      <p>
        <Link href={`/w/${workspace}/settings/security`}>Set up two-factor sign-in</Link>
      </p>
    </section>
  );
}

function InSettings({ me }: { me: Me }) {
  const { workspace = "", section } = useParams<{ workspace: string; section?: string }>();
  return (
    <Shell me={me} workspace={workspace} current={SETTINGS}>
      <Suspense fallback={<p className="muted" aria-busy="true">Loading…</p>}>
        <Settings me={me} workspace={workspace} section={section} />
      </Suspense>
    </Shell>
  );
}

/** The sidebar, the palette and the person's role around whatever the address opens. */
function Shell({ me, workspace, current, children }: { me: Me; workspace: string; current: string; children: ReactNode }) {
  const [palette, setPalette] = useState(false);
  usePaletteShortcut(setPalette);
  const workspaces = useQuery({ queryKey: ["workspaces"], queryFn: api.workspaces });
  const role = workspaces.data?.find((w) => w.id === workspace)?.role ?? "viewer";
  return (
    <WorkspaceRole.Provider value={role}>
      <ToastProvider>
      <div className="layout">
        <Palette workspace={workspace} open={palette} setOpen={setPalette} />
        <LiveChanges workspace={workspace} me={me.id} />
        <Sidebar me={me} workspace={workspace} current={current} openPalette={() => setPalette(true)} />
        <main className="content">{children}</main>
      </div>
      </ToastProvider>
    </WorkspaceRole.Provider>
  );
}
