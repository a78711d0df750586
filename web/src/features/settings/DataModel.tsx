import { useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type FieldMeta, type ObjectMeta } from "../../api/kith";
import { AdminsOnly, Empty, Loading, OutcomeLine, QueryProblem, useOutcome, type Outcome } from "./common";
import type { SectionProps } from "./Settings";
import { FieldForm } from "./FieldForm";
import { FIELD_TYPES, camelName } from "./fieldForm";

/** The workspace's objects and their fields; admins add objects and fields, rename, hide, delete. */
export function DataModel(props: SectionProps) {
  return (
    <AdminsOnly>
      <ModelScreen {...props} />
    </AdminsOnly>
  );
}

function ModelScreen({ workspace }: SectionProps) {
  const queries = useQueryClient();
  const outcome = useOutcome();
  const objects = useQuery({ queryKey: ["objects", workspace], queryFn: () => api.objects(workspace) });
  const [chosen, setChosen] = useState<string | null>(null);
  const [newObject, setNewObject] = useState(false);
  // Tables and the sidebar read the same query: refreshing it shows the change everywhere.
  const refresh = () => queries.invalidateQueries({ queryKey: ["objects", workspace] });

  if (objects.isPending) return <Loading what="objects" />;
  if (objects.error) return <QueryProblem error={objects.error} />;
  const sorted = [...objects.data].sort((a, b) => Number(a.isCustom) - Number(b.isCustom));
  const object = sorted.find((o) => o.id === chosen) ?? sorted[0];
  return (
    <div className="settings-stack">
      <OutcomeLine outcome={outcome} />
      <div className="settings-inline">
        <label className="field">
          <span>Object</span>
          <select value={object?.id ?? ""} onChange={(e) => setChosen(e.target.value)}>
            {sorted.map((o) => (
              <option key={o.id} value={o.id}>
                {o.labelPlural}
                {o.isCustom ? " (custom)" : ""}
                {o.isActive ? "" : " (hidden)"}
              </option>
            ))}
          </select>
        </label>
        {!newObject && (
          <button type="button" onClick={() => setNewObject(true)}>
            + New object
          </button>
        )}
      </div>
      {newObject && (
        <ObjectForm
          workspace={workspace}
          close={async (made) => {
            setNewObject(false);
            if (made) {
              outcome.succeeded(`${made.labelPlural} created.`);
              setChosen(made.id);
              await refresh();
            }
          }}
        />
      )}
      {object ? (
        <Fields key={object.id} workspace={workspace} object={object} objects={sorted} outcome={outcome} refresh={refresh} />
      ) : (
        <Empty>This workspace has no objects yet. Make one with “+ New object”.</Empty>
      )}
    </div>
  );
}

function ObjectForm({ workspace, close }: { workspace: string; close: (made: ObjectMeta | null) => Promise<void> }) {
  const outcome = useOutcome();
  const [labelSingular, setLabelSingular] = useState("");
  const [labelPlural, setLabelPlural] = useState("");

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const input = {
      labelSingular: labelSingular.trim(),
      labelPlural: labelPlural.trim(),
      nameSingular: String(form.get("nameSingular") ?? ""),
      namePlural: String(form.get("namePlural") ?? ""),
    };
    try {
      await close(await api.createObject(workspace, input));
    } catch (caught) {
      outcome.failed(caught);
    }
  }

  return (
    <form className="settings-card" onSubmit={submit} aria-label="New object">
      <div className="settings-inline">
        <label className="field">
          <span>Singular label</span>
          <input value={labelSingular} onChange={(e) => setLabelSingular(e.target.value)} required placeholder="Project" />
        </label>
        <label className="field">
          <span>Plural label</span>
          <input value={labelPlural} onChange={(e) => setLabelPlural(e.target.value)} required placeholder="Projects" />
        </label>
      </div>
      {/* Keyed by the label so the derived name follows it until the person edits the name. */}
      <div className="settings-inline">
        <label className="field">
          <span>Singular API name</span>
          <input name="nameSingular" key={`s-${labelSingular}`} defaultValue={camelName(labelSingular)} required />
        </label>
        <label className="field">
          <span>Plural API name</span>
          <input name="namePlural" key={`p-${labelPlural}`} defaultValue={camelName(labelPlural)} required />
        </label>
      </div>
      <OutcomeLine outcome={outcome} />
      <div className="settings-actions">
        <button type="button" onClick={() => void close(null)}>
          Cancel
        </button>
        <button type="submit" className="primary">
          Create object
        </button>
      </div>
    </form>
  );
}

interface FieldsProps {
  workspace: string;
  object: ObjectMeta;
  objects: ObjectMeta[];
  outcome: Outcome;
  refresh: () => Promise<void>;
}

function Fields({ workspace, object, objects, outcome, refresh }: FieldsProps) {
  const [adding, setAdding] = useState(false);
  const change = async (run: () => Promise<unknown>, message: string) => {
    if (await outcome.run(run, message)) await refresh();
  };

  async function remove(field: FieldMeta) {
    if (!window.confirm(`Delete the field ${field.label}? Its value is erased from every ${object.labelSingular}.`)) return;
    await change(() => api.deleteField(workspace, field.id), `The field ${field.label} was deleted.`);
  }

  return (
    <div className="settings-stack">
      <div className="settings-heading">
        <h3>Fields of {object.labelPlural}</h3>
        {!adding && (
          <button type="button" className="primary" onClick={() => setAdding(true)}>
            + Add field
          </button>
        )}
      </div>
      {adding && (
        <FieldForm
          workspace={workspace}
          object={object}
          objects={objects}
          cancel={() => setAdding(false)}
          created={async (field) => {
            setAdding(false);
            outcome.succeeded(`The field ${field.label} was added to ${object.labelPlural}.`);
            await refresh();
          }}
        />
      )}
      <table className="settings-table">
        <thead>
          <tr>
            <th scope="col">Label</th>
            <th scope="col">API name</th>
            <th scope="col">Type</th>
            <th scope="col">Shown</th>
            <th scope="col"><span className="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {object.fields.map((field) => (
            <FieldRow
              key={field.id}
              field={field}
              rename={(label) => change(() => api.updateField(workspace, field.id, { label }), `Renamed to ${label}.`)}
              show={(isActive) =>
                change(() => api.updateField(workspace, field.id, { isActive }), `${field.label} is ${isActive ? "shown" : "hidden"}.`)
              }
              remove={() => void remove(field)}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface RowProps {
  field: FieldMeta;
  rename: (label: string) => Promise<void>;
  show: (isActive: boolean) => Promise<void>;
  remove: () => void;
}

const typeLabel = (type: string) => FIELD_TYPES.find((t) => t.type === type)?.label ?? type;

function FieldRow({ field, rename, show, remove }: RowProps) {
  const [editing, setEditing] = useState(false);
  // Shown at once while the server saves it; the server's answer replaces it (or undoes it).
  const [pending, setPending] = useState<boolean | null>(null);
  const active = pending ?? field.isActive !== false;

  async function toggle(isActive: boolean) {
    setPending(isActive);
    await show(isActive);
    setPending(null);
  }

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const label = String(new FormData(event.currentTarget).get("label") ?? "").trim();
    setEditing(false);
    if (label && label !== field.label) await rename(label);
  }

  return (
    <tr className={active ? undefined : "muted"}>
      <td>
        {editing ? (
          <form className="settings-inline" onSubmit={save}>
            <label className="field">
              <span className="visually-hidden">New label for {field.label}</span>
              <input
                name="label"
                defaultValue={field.label}
                required
                autoFocus
                onKeyDown={(e) => e.key === "Escape" && setEditing(false)}
              />
            </label>
            <button type="submit">Save</button>
          </form>
        ) : (
          field.label
        )}
      </td>
      <td>
        <code>{field.name}</code>
      </td>
      <td>{typeLabel(field.type)}</td>
      <td>
        <input type="checkbox" aria-label={`Show ${field.label}`} checked={active} onChange={(e) => void toggle(e.target.checked)} />
      </td>
      <td className="settings-row-actions">
        {!editing && (
          <button type="button" onClick={() => setEditing(true)} aria-label={`Rename ${field.label}`}>
            Rename
          </button>
        )}
        {field.isCustom && (
          <button type="button" className="danger" onClick={remove} aria-label={`Delete ${field.label}`}>
            Delete
          </button>
        )}
      </td>
    </tr>
  );
}
