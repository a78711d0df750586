import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type ConnectedApp } from "../../api/kith";
import { Empty, Loading, OutcomeLine, QueryProblem, formatTime, useOutcome, useRoleAtLeast } from "./common";
import type { SectionProps } from "./Settings";

/** OAuth apps (MCP clients) connected by the person, and for admins every one of the workspace. */
export function ConnectedApps({ workspace }: SectionProps) {
  const admin = useRoleAtLeast("admin");
  const queries = useQueryClient();
  const outcome = useOutcome();
  const mine = useQuery({ queryKey: ["connected-apps", "me"], queryFn: api.myConnectedApps });
  const theirs = useQuery({
    queryKey: ["connected-apps", workspace],
    queryFn: () => api.workspaceConnectedApps(workspace),
    enabled: admin,
  });
  const refresh = () => queries.invalidateQueries({ queryKey: ["connected-apps"] });

  async function disconnect(app: ConnectedApp, asAdmin: boolean) {
    if (!window.confirm(`Disconnect ${app.client.name}? Its access stops at once.`)) return;
    const change = asAdmin ? () => api.disconnectWorkspaceApp(workspace, app.id) : () => api.disconnectMyApp(app.id);
    if (await outcome.run(change, `${app.client.name} was disconnected.`)) await refresh();
  }

  return (
    <div className="settings-stack">
      <OutcomeLine outcome={outcome} />
      <h3>Your connected apps</h3>
      <AppList query={mine} empty="You have connected no app. An MCP client asks you to connect it when it first signs in." disconnect={(a) => void disconnect(a, false)} />
      {admin && (
        <>
          <h3>Every app connected to this workspace</h3>
          <AppList query={theirs} empty="Nobody has connected an app to this workspace." disconnect={(a) => void disconnect(a, true)} />
        </>
      )}
    </div>
  );
}

interface ListProps {
  query: { isPending: boolean; error: Error | null; data: ConnectedApp[] | undefined };
  empty: string;
  disconnect: (app: ConnectedApp) => void;
}

function AppList({ query, empty, disconnect }: ListProps) {
  if (query.isPending) return <Loading what="connected apps" />;
  if (query.error) return <QueryProblem error={query.error} />;
  if (!query.data || query.data.length === 0) return <Empty>{empty}</Empty>;
  return (
    <table className="settings-table">
      <thead>
        <tr>
          <th scope="col">App</th>
          <th scope="col">Workspace</th>
          <th scope="col">Person</th>
          <th scope="col">Scopes</th>
          <th scope="col">Connected</th>
          <th scope="col">Last used</th>
          <th scope="col"><span className="visually-hidden">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        {query.data.map((app) => (
          <tr key={app.id}>
            <td>{app.client.name}</td>
            <td>{app.workspace.name}</td>
            <td>{app.person.email}</td>
            <td>{app.scopes.join(", ")}</td>
            <td>{formatTime(app.createdAt)}</td>
            <td>{app.lastUsedAt ? formatTime(app.lastUsedAt) : "Never"}</td>
            <td className="settings-row-actions">
              <button type="button" className="danger" onClick={() => disconnect(app)} aria-label={`Disconnect ${app.client.name}`}>
                Disconnect
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
