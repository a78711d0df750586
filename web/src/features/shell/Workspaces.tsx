import { useEffect, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Redirect, Route, Switch, useParams, useSearch } from "wouter";
import { api, type Me } from "../../api/kith";
import { Sidebar } from "./Sidebar";
import { RecordList } from "../records/RecordList";
import { RecordPage } from "../records/RecordPage";
import { NewWorkspace } from "./NewWorkspace";
import { applyTheme } from "../../ui/theme";
import { Palette, usePaletteShortcut } from "../palette/Palette";
import { WorkspaceRole } from "./role";
import { LiveChanges } from "../live/LiveChanges";
import { TasksScreen } from "../tasks/TasksScreen";
import { ToastProvider } from "../../ui/Toast";

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
  const [palette, setPalette] = useState(false);
  // Tasks open as their own screen, which takes no parameters: any (?view=table, then the
  // table's own sort, filter, kanban…) means the generic list, so its controls keep working.
  const asTable = new URLSearchParams(useSearch()).size > 0;
  usePaletteShortcut(setPalette);
  const workspaces = useQuery({ queryKey: ["workspaces"], queryFn: api.workspaces });
  const role = workspaces.data?.find((w) => w.id === workspace)?.role ?? "viewer";
  return (
    <WorkspaceRole.Provider value={role}>
      <ToastProvider>
      <div className="layout">
        <Palette workspace={workspace} open={palette} setOpen={setPalette} />
        <LiveChanges workspace={workspace} me={me.id} />
        <Sidebar me={me} workspace={workspace} current={plural} openPalette={() => setPalette(true)} />
        <main className="content">
          {id ? (
            <RecordPage key={`${workspace}/${plural}/${id}`} workspace={workspace} plural={plural} id={id} />
          ) : plural === "tasks" && !asTable ? (
            <TasksScreen key={workspace} workspace={workspace} />
          ) : (
            <RecordList key={`${workspace}/${plural}`} workspace={workspace} plural={plural} />
          )}
        </main>
      </div>
      </ToastProvider>
    </WorkspaceRole.Provider>
  );
}
