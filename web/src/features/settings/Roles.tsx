import { useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type ObjectMeta, type ObjectRights, type Permissions, type Rights, type WorkspaceRoleDefinition } from "../../api/kith";
import { Empty, Loading, OutcomeLine, QueryProblem, useOutcome, useRoleAtLeast } from "./common";
import type { SectionProps } from "./Settings";
import { capitalised } from "./Members";

const RIGHTS = ["read", "write", "delete"] as const;

export const EMPTY_PERMISSIONS: Permissions = {
  default: { read: true, write: false, delete: false },
  objects: {},
  sensitiveInClear: false,
};

/** The built-in roles and the workspace's own, each with what it may do; admins edit the custom ones. */
export function Roles({ workspace }: SectionProps) {
  const admin = useRoleAtLeast("admin");
  const queries = useQueryClient();
  const outcome = useOutcome();
  const roles = useQuery({ queryKey: ["roles", workspace], queryFn: () => api.roles(workspace) });
  const objects = useQuery({ queryKey: ["objects", workspace], queryFn: () => api.objects(workspace) });
  // `null`: no form open; "new": a role being made; otherwise the id of the role being edited.
  const [editing, setEditing] = useState<string | null>(null);
  const refresh = () => queries.invalidateQueries({ queryKey: ["roles", workspace] });

  async function remove(role: WorkspaceRoleDefinition) {
    if (!window.confirm(`Delete the role ${role.name}?`)) return;
    if (await outcome.run(() => api.deleteRole(workspace, role.id), `The role ${role.name} was deleted.`)) await refresh();
  }

  if (roles.isPending) return <Loading what="roles" />;
  if (roles.error) return <QueryProblem error={roles.error} />;
  const custom = roles.data.filter((r) => !r.builtIn);
  const editedRole = custom.find((r) => r.id === editing);
  return (
    <div className="settings-stack">
      <OutcomeLine outcome={outcome} />
      {admin && editing === null && (
        <div className="settings-actions settings-actions-start">
          <button type="button" className="primary" onClick={() => setEditing("new")}>
            + New role
          </button>
        </div>
      )}
      {editing !== null && (
        <RoleForm
          workspace={workspace}
          objects={(objects.data ?? []).filter((o) => o.isActive)}
          role={editedRole}
          done={async (message) => {
            setEditing(null);
            if (message) {
              outcome.succeeded(message);
              await refresh();
            }
          }}
        />
      )}
      <table className="settings-table">
        <thead>
          <tr>
            <th scope="col">Role</th>
            <th scope="col">Every object</th>
            <th scope="col">Per object</th>
            <th scope="col">Sensitive fields</th>
            {admin && <th scope="col"><span className="visually-hidden">Actions</span></th>}
          </tr>
        </thead>
        <tbody>
          {roles.data.map((role) => (
            <tr key={role.id}>
              <td>
                {role.builtIn ? capitalised(role.name) : role.name}
                {role.builtIn && <span className="muted"> (built-in)</span>}
              </td>
              <td>{rightsText(role.permissions.default)}</td>
              <td>{objectsText(role.permissions)}</td>
              <td>{role.permissions.sensitiveInClear ? "In clear" : "Masked"}</td>
              {admin && (
                <td className="settings-row-actions">
                  {!role.builtIn && (
                    <>
                      <button type="button" onClick={() => setEditing(role.id)} aria-label={`Edit role ${role.name}`}>
                        Edit
                      </button>
                      <button type="button" className="danger" onClick={() => void remove(role)} aria-label={`Delete role ${role.name}`}>
                        Delete
                      </button>
                    </>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {custom.length === 0 && <Empty>No custom roles yet. {admin ? "Make one to narrow what members may read, change or delete." : ""}</Empty>}
    </div>
  );
}

export function rightsText(rights: Rights): string {
  const granted = RIGHTS.filter((r) => rights[r]);
  return granted.length === 0 ? "No access" : granted.join(", ");
}

function objectsText(permissions: Permissions): string {
  const entries = Object.entries(permissions.objects);
  if (entries.length === 0) return "—";
  return entries
    .map(([name, rights]) => {
      const hidden = rights.hiddenFields?.length ? `; hides ${rights.hiddenFields.join(", ")}` : "";
      return `${name}: ${rightsText(rights)}${hidden}`;
    })
    .join(" · ");
}

interface FormProps {
  workspace: string;
  objects: ObjectMeta[];
  role: WorkspaceRoleDefinition | undefined;
  /** Closes the form, with the success message when something was saved. */
  done: (message: string | null) => Promise<void>;
}

/** One row per object: inherit the default, or its own read / write / delete and hidden fields. */
function RoleForm({ workspace, objects, role, done }: FormProps) {
  const [name, setName] = useState(role?.name ?? "");
  const [permissions, setPermissions] = useState<Permissions>(role?.permissions ?? EMPTY_PERMISSIONS);
  const outcome = useOutcome();

  const setDefault = (right: (typeof RIGHTS)[number], on: boolean) =>
    setPermissions((p) => ({ ...p, default: { ...p.default, [right]: on } }));
  const setObject = (object: string, rights: ObjectRights | null) =>
    setPermissions((p) => {
      const objects = { ...p.objects };
      if (rights) objects[object] = rights;
      else delete objects[object];
      return { ...p, objects };
    });

  async function save(event: FormEvent) {
    event.preventDefault();
    try {
      if (role) await api.updateRole(workspace, role.id, name.trim(), permissions);
      else await api.createRole(workspace, name.trim(), permissions);
      await done(role ? `The role ${name.trim()} was saved.` : `The role ${name.trim()} was created.`);
    } catch (caught) {
      outcome.failed(caught);
    }
  }

  return (
    <form className="settings-card" onSubmit={save} aria-label={role ? `Edit role ${role.name}` : "New role"}>
      <label className="field">
        <span>Role name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} required />
      </label>
      <table className="settings-table role-matrix">
        <thead>
          <tr>
            <th scope="col">Object</th>
            <th scope="col">Own rights</th>
            {RIGHTS.map((r) => (
              <th scope="col" key={r}>
                {capitalised(r)}
              </th>
            ))}
            <th scope="col">Hidden fields</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">Every other object</th>
            <td />
            {RIGHTS.map((r) => (
              <td key={r}>
                <input type="checkbox" aria-label={`${capitalised(r)} every other object`} checked={permissions.default[r]} onChange={(e) => setDefault(r, e.target.checked)} />
              </td>
            ))}
            <td />
          </tr>
          {objects.map((object) => (
            <ObjectRow key={object.id} object={object} rights={permissions.objects[object.nameSingular]} fallback={permissions.default} set={(r) => setObject(object.nameSingular, r)} />
          ))}
        </tbody>
      </table>
      <label className="settings-check">
        <input type="checkbox" checked={permissions.sensitiveInClear} onChange={(e) => setPermissions((p) => ({ ...p, sensitiveInClear: e.target.checked }))} />
        Read sensitive fields in clear
      </label>
      <OutcomeLine outcome={outcome} />
      <div className="settings-actions">
        <button type="button" onClick={() => void done(null)}>
          Cancel
        </button>
        <button type="submit" className="primary">
          {role ? "Save role" : "Create role"}
        </button>
      </div>
    </form>
  );
}

interface RowProps {
  object: ObjectMeta;
  rights: ObjectRights | undefined;
  fallback: Rights;
  set: (rights: ObjectRights | null) => void;
}

function ObjectRow({ object, rights, fallback, set }: RowProps) {
  const label = object.labelPlural;
  const shown = rights ?? fallback;
  const hidden = new Set(rights?.hiddenFields ?? []);
  const toggleHidden = (field: string, on: boolean) => {
    if (!rights) return;
    const next = new Set(hidden);
    if (on) next.add(field);
    else next.delete(field);
    set({ ...rights, hiddenFields: [...next] });
  };
  return (
    <tr>
      <th scope="row">{label}</th>
      <td>
        <input
          type="checkbox"
          aria-label={`${label} has its own rights`}
          checked={Boolean(rights)}
          onChange={(e) => set(e.target.checked ? { ...fallback, hiddenFields: [] } : null)}
        />
      </td>
      {RIGHTS.map((r) => (
        <td key={r}>
          <input type="checkbox" aria-label={`${capitalised(r)} ${label}`} disabled={!rights} checked={shown[r]} onChange={(e) => rights && set({ ...rights, [r]: e.target.checked })} />
        </td>
      ))}
      <td>
        {rights ? (
          <details className="hidden-fields">
            <summary>{hidden.size === 0 ? "None" : `${hidden.size} hidden`}</summary>
            <div className="settings-checks">
              {object.fields
                .filter((f) => f.name !== object.labelField)
                .map((field) => (
                  <label key={field.id} className="settings-check">
                    <input type="checkbox" checked={hidden.has(field.name)} onChange={(e) => toggleHidden(field.name, e.target.checked)} />
                    {field.label}
                  </label>
                ))}
            </div>
          </details>
        ) : (
          <span className="muted">As every other</span>
        )}
      </td>
    </tr>
  );
}
