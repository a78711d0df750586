import { useContext } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useLocation } from "wouter";
import { api } from "../../api/kith";
import { WorkspaceRole } from "../shell/role";
import { OutcomeLine, useOutcome } from "./common";
import type { SectionProps } from "./Settings";

/** Deleting this workspace (owners), and bringing back a deleted one before it is purged. */
export function DeleteWorkspace({ workspace }: SectionProps) {
  const role = useContext(WorkspaceRole);
  const queries = useQueryClient();
  const [, navigate] = useLocation();
  const outcome = useOutcome();
  const workspaces = useQuery({ queryKey: ["workspaces"], queryFn: api.workspaces });
  const name = workspaces.data?.find((w) => w.id === workspace)?.name ?? "this workspace";

  async function remove() {
    if (!window.confirm(`Delete ${name}? Nobody can open it from now on; you can restore it for 30 days.`)) return;
    try {
      await api.deleteWorkspace(workspace);
      await queries.invalidateQueries({ queryKey: ["workspaces"] });
      await queries.invalidateQueries({ queryKey: ["deleted-workspaces"] });
      navigate("/");
    } catch (caught) {
      outcome.failed(caught);
    }
  }

  return (
    <div className="settings-stack">
      {role === "owner" && (
        <section className="settings-card danger-zone" aria-labelledby="delete-workspace-title">
          <h2 id="delete-workspace-title">Delete {name}</h2>
          <p>
            Its members and API tokens lose access at once. Its owners can restore it, as it was, for 30 days; then it is
            deleted for good with all its records.
          </p>
          <button type="button" className="danger" onClick={() => void remove()}>
            Delete workspace
          </button>
          <OutcomeLine outcome={outcome} />
        </section>
      )}
      <DeletedWorkspaces />
    </div>
  );
}

/** The deleted workspaces the person owns, each with Restore (also shown where there is no
 *  workspace left to open). */
export function DeletedWorkspaces() {
  const queries = useQueryClient();
  const outcome = useOutcome();
  const deleted = useQuery({ queryKey: ["deleted-workspaces"], queryFn: api.deletedWorkspaces });
  async function restore(id: string, name: string) {
    try {
      await api.restoreWorkspace(id);
      await queries.invalidateQueries({ queryKey: ["workspaces"] });
      await queries.invalidateQueries({ queryKey: ["deleted-workspaces"] });
      outcome.succeeded(`${name} is restored.`);
    } catch (caught) {
      outcome.failed(caught);
    }
  }
  if (!deleted.data?.length) return <OutcomeLine outcome={outcome} />;
  return (
    <section className="settings-card" aria-labelledby="deleted-workspaces-title">
      <h2 id="deleted-workspaces-title">Deleted workspaces</h2>
      <ul className="plain-list">
        {deleted.data.map((w) => (
          <li key={w.id}>
            <strong>{w.name}</strong>{" "}
            <span className="muted">deleted for good on {new Date(w.purgedAt).toLocaleDateString()}</span>{" "}
            <button type="button" onClick={() => void restore(w.id, w.name)}>
              Restore {w.name}
            </button>
          </li>
        ))}
      </ul>
      <OutcomeLine outcome={outcome} />
    </section>
  );
}
