import { useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useLocation } from "wouter";
import { api, type Member, type Role, type RoleChoice, type WorkspaceRoleDefinition } from "../../api/kith";
import { Empty, Loading, OutcomeLine, QueryProblem, formatTime, useMyRole, useOutcome, useRoleAtLeast, type Outcome } from "./common";
import type { SectionProps } from "./Settings";

const BUILT_IN: Role[] = ["owner", "admin", "member", "viewer"];
const INVITABLE = ["admin", "member", "viewer"] as const;
const CUSTOM = "custom:";

/** A member's role as one select value: a built-in name, or `custom:{id}`. */
export function roleValue(member: Pick<Member, "role" | "customRole">): string {
  return member.customRole ? `${CUSTOM}${member.customRole.id}` : member.role;
}

export function roleChoice(value: string): RoleChoice {
  return value.startsWith(CUSTOM) ? { roleId: value.slice(CUSTOM.length) } : { role: value as Role };
}

/** The workspace's members and open invitations; leaving; handing ownership on. */
export function Members({ me, workspace }: SectionProps) {
  const queries = useQueryClient();
  const admin = useRoleAtLeast("admin");
  const outcome = useOutcome();
  const members = useQuery({ queryKey: ["members", workspace], queryFn: () => api.members(workspace) });
  const roles = useQuery({ queryKey: ["roles", workspace], queryFn: () => api.roles(workspace) });
  const refresh = () => queries.invalidateQueries({ queryKey: ["members", workspace] });
  const custom = (roles.data ?? []).filter((r) => !r.builtIn);

  return (
    <div className="settings-stack">
      <OutcomeLine outcome={outcome} />
      {members.isPending ? (
        <Loading what="members" />
      ) : members.error ? (
        <QueryProblem error={members.error} />
      ) : (
        <MemberTable members={members.data} meId={me.id} custom={custom} workspace={workspace} outcome={outcome} refresh={refresh} />
      )}
      {admin && <Invitations workspace={workspace} />}
      <Leave workspace={workspace} members={members.data ?? []} meId={me.id} outcome={outcome} />
    </div>
  );
}

interface TableProps {
  members: Member[];
  meId: string;
  custom: WorkspaceRoleDefinition[];
  workspace: string;
  outcome: Outcome;
  refresh: () => Promise<void>;
}

function MemberTable({ members, meId, custom, workspace, outcome, refresh }: TableProps) {
  const admin = useRoleAtLeast("admin");
  const owner = useMyRole() === "owner";

  async function changeRole(member: Member, value: string) {
    const done = await outcome.run(() => api.changeMemberRole(workspace, member.userId, roleChoice(value)), `${member.name}'s role changed.`);
    if (done) await refresh();
  }

  async function remove(member: Member) {
    if (!window.confirm(`Remove ${member.name} from this workspace?`)) return;
    if (await outcome.run(() => api.removeMember(workspace, member.userId), `${member.name} was removed.`)) await refresh();
  }

  async function transfer(member: Member) {
    if (!window.confirm(`Make ${member.name} the owner? You will become an admin.`)) return;
    const done = await outcome.run(() => api.transferOwnership(workspace, member.userId), `${member.name} is now the owner.`);
    if (done) {
      await refresh();
      await refreshWorkspaces();
    }
  }
  const queries = useQueryClient();
  const refreshWorkspaces = () => queries.invalidateQueries({ queryKey: ["workspaces"] });

  return (
    <table className="settings-table">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Email</th>
          <th scope="col">Role</th>
          <th scope="col">Joined</th>
          {admin && <th scope="col"><span className="visually-hidden">Actions</span></th>}
        </tr>
      </thead>
      <tbody>
        {members.map((member) => {
          const self = member.userId === meId;
          // Only an owner gives or takes the owner role; the server refuses the rest anyway.
          const mayChange = admin && !self && (owner || member.role !== "owner");
          return (
            <tr key={member.userId}>
              <td>
                {member.name}
                {self && <span className="muted"> (you)</span>}
              </td>
              <td>{member.email}</td>
              <td>
                {mayChange ? (
                  <select aria-label={`Role of ${member.name}`} value={roleValue(member)} onChange={(e) => void changeRole(member, e.target.value)}>
                    {BUILT_IN.filter((r) => owner || r !== "owner").map((r) => (
                      <option key={r} value={r}>
                        {capitalised(r)}
                      </option>
                    ))}
                    {custom.map((r) => (
                      <option key={r.id} value={`${CUSTOM}${r.id}`}>
                        {r.name} (custom)
                      </option>
                    ))}
                  </select>
                ) : (
                  member.customRole?.name ?? capitalised(member.role)
                )}
              </td>
              <td>{formatTime(member.joinedAt)}</td>
              {admin && (
                <td className="settings-row-actions">
                  {owner && !self && (
                    <button type="button" onClick={() => void transfer(member)}>
                      Make owner
                    </button>
                  )}
                  {mayChange && (
                    <button type="button" className="danger" onClick={() => void remove(member)} aria-label={`Remove ${member.name}`}>
                      Remove
                    </button>
                  )}
                </td>
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function capitalised(word: string): string {
  return word.slice(0, 1).toUpperCase() + word.slice(1);
}

function Invitations({ workspace }: { workspace: string }) {
  const queries = useQueryClient();
  const outcome = useOutcome();
  const invitations = useQuery({ queryKey: ["invitations", workspace], queryFn: () => api.invitations(workspace) });
  const refresh = () => queries.invalidateQueries({ queryKey: ["invitations", workspace] });

  async function invite(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const email = String(form.get("email") ?? "").trim();
    const role = String(form.get("role")) as (typeof INVITABLE)[number];
    const done = await outcome.run(() => api.invite(workspace, email, role), `Invitation mailed to ${email}.`);
    if (done) {
      formElement.reset();
      await refresh();
    }
  }

  async function revoke(id: string, email: string) {
    if (await outcome.run(() => api.revokeInvitation(workspace, id), `The invitation to ${email} was revoked.`)) await refresh();
  }

  return (
    <div className="settings-card">
      <h3>Invitations</h3>
      <form className="settings-inline" onSubmit={invite}>
        <label className="field">
          <span>Email to invite</span>
          <input name="email" type="email" required autoComplete="off" />
        </label>
        <label className="field">
          <span>Role</span>
          <select name="role" defaultValue="member">
            {INVITABLE.map((r) => (
              <option key={r} value={r}>
                {capitalised(r)}
              </option>
            ))}
          </select>
        </label>
        <button className="primary" type="submit">
          Send invitation
        </button>
      </form>
      <p className="muted">They get a link by email, valid for 7 days.</p>
      <OutcomeLine outcome={outcome} />
      {invitations.isPending ? (
        <Loading what="invitations" />
      ) : invitations.error ? (
        <QueryProblem error={invitations.error} />
      ) : invitations.data.length === 0 ? (
        <Empty>No open invitations. Invite someone by email above.</Empty>
      ) : (
        <ul className="settings-list">
          {invitations.data.map((invitation) => (
            <li key={invitation.id}>
              <span>
                {invitation.email} <span className="muted">as {invitation.role}, expires {formatTime(invitation.expiresAt)}</span>
              </span>
              <button type="button" onClick={() => void revoke(invitation.id, invitation.email)} aria-label={`Revoke invitation to ${invitation.email}`}>
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Leave({ workspace, members, meId, outcome }: { workspace: string; members: Member[]; meId: string; outcome: Outcome }) {
  const queries = useQueryClient();
  const [, navigate] = useLocation();
  const [leaving, setLeaving] = useState(false);
  const soleOwner = members.filter((m) => m.role === "owner").every((m) => m.userId === meId) && members.some((m) => m.userId === meId && m.role === "owner");

  async function leave() {
    if (!window.confirm("Leave this workspace? You will need a new invitation to come back.")) return;
    setLeaving(true);
    const done = await outcome.run(() => api.leaveWorkspace(workspace), "You left the workspace.");
    setLeaving(false);
    if (done) {
      await queries.invalidateQueries({ queryKey: ["workspaces"] });
      navigate("/");
    }
  }

  return (
    <div className="settings-card">
      <h3>Leave workspace</h3>
      {soleOwner && <p className="muted">You are its only owner: make someone else owner first.</p>}
      <div className="settings-actions">
        <button type="button" className="danger" disabled={leaving} onClick={() => void leave()}>
          Leave workspace
        </button>
      </div>
    </div>
  );
}
