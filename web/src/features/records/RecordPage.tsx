import { useState, type KeyboardEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "wouter";
import { api, type FieldMeta, type KithRecord, type ObjectMeta, type TimelineEvent } from "../../api/kith";
import { ApiError } from "../../api/client";
import { formatValue } from "./format";
import { EDITED_AS_TEXT, editText, parseEdit } from "./values";
import { useCanWrite } from "../shell/role";

interface Props {
  workspace: string;
  plural: string;
  id: string;
}

/** One record: its fields, each editable in place, and its timeline. */
export function RecordPage({ workspace, plural, id }: Props) {
  const objects = useQuery({ queryKey: ["objects", workspace], queryFn: () => api.objects(workspace) });
  const object = objects.data?.find((o) => o.namePlural === plural);
  const record = useQuery({
    queryKey: ["record", workspace, plural, id],
    queryFn: () => api.record(workspace, object as ObjectMeta, id),
    enabled: Boolean(object),
  });
  if (objects.isSuccess && !object) return <p role="alert">This workspace has no object called {plural}.</p>;
  if (record.error) return <p role="alert">{record.error.message}</p>;
  if (!object || !record.data) return <div className="splash" aria-busy="true" />;
  const label = object.fields.find((f) => f.name === object.labelField);
  const title = label ? formatValue(label.type, record.data[label.name]) : id;
  const fields = object.fields.filter((f) => f.isActive !== false && f.type !== "RELATION");
  return (
    <article className="record" aria-labelledby="record-title">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link href={`/w/${workspace}/${plural}`}>{object.labelPlural}</Link>
      </nav>
      <h1 id="record-title">{title || "Untitled"}</h1>
      <div className="record-columns">
        <dl className="record-fields">
          {fields.map((field) => (
            <FieldRow key={field.id} workspace={workspace} object={object} record={record.data} field={field} />
          ))}
        </dl>
        <Timeline workspace={workspace} object={object} id={id} />
      </div>
    </article>
  );
}

interface FieldRowProps {
  workspace: string;
  object: ObjectMeta;
  record: KithRecord;
  field: FieldMeta;
}

/** A field's value; click (or Enter) to edit, Enter to save, Escape to cancel. */
function FieldRow({ workspace, object, record, field }: FieldRowProps) {
  const queries = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const value = record[field.name];
  const canWrite = useCanWrite();
  const editable = canWrite && (EDITED_AS_TEXT.has(field.type) || field.type === "SELECT" || field.type === "BOOLEAN");

  async function save(next: unknown) {
    setError(null);
    try {
      const saved = await api.updateRecord(workspace, object, record.id, { [field.name]: next });
      queries.setQueryData(["record", workspace, object.namePlural, record.id], saved);
      void queries.invalidateQueries({ queryKey: ["timeline", workspace, object.namePlural, record.id] });
      void queries.invalidateQueries({ queryKey: ["records", workspace, object.namePlural] });
      setEditing(false);
    } catch (caught) {
      setError(caught instanceof ApiError ? (caught.details[0]?.message ?? caught.message) : String(caught));
    }
  }

  function keyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === "Escape") {
      setEditing(false);
      setError(null);
    }
    if (event.key !== "Enter") return;
    const parsed = parseEdit(field.type, event.currentTarget.value, value);
    if ("error" in parsed) setError(parsed.error);
    else void save(parsed.value);
  }

  const inputId = `field-${field.id}`;
  let editor;
  if (field.type === "SELECT" && editable) {
    editor = (
      <select id={inputId} value={typeof value === "string" ? value : ""} onChange={(e) => void save(e.target.value || null)}>
        <option value="">—</option>
        {(field.options ?? []).map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    );
  } else if (field.type === "BOOLEAN") {
    editor = (
      <input id={inputId} type="checkbox" checked={value === true} disabled={!editable} onChange={(e) => void save(e.target.checked)} />
    );
  } else if (editing) {
    editor = <input id={inputId} autoFocus defaultValue={editText(field.type, value)} onKeyDown={keyDown} aria-invalid={error ? true : undefined} />;
  } else {
    const shown = field.type === "SELECT" ? value : formatValue(field.type, value);
    editor = editable ? (
      <button id={inputId} type="button" className="value" onClick={() => setEditing(true)}>
        {String(shown ?? "") || <span className="muted">Empty</span>}
      </button>
    ) : (
      <span id={inputId} className="value">
        {formatValue(field.type, value)}
      </span>
    );
  }
  return (
    <div className="record-field">
      <dt>
        <label htmlFor={inputId}>{field.label}</label>
      </dt>
      <dd>
        {editor}
        {error && (
          <small className="problem" role="alert">
            {error}
          </small>
        )}
      </dd>
    </div>
  );
}

/** Who changed what, newest first; agents and API tokens named as such. */
function Timeline({ workspace, object, id }: { workspace: string; object: ObjectMeta; id: string }) {
  const events = useQuery({
    queryKey: ["timeline", workspace, object.namePlural, id],
    queryFn: () => api.timeline(workspace, object, id),
  });
  const labels = new Map(object.fields.map((f) => [f.name, f]));
  return (
    <section className="timeline" aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline</h2>
      {events.error && <p role="alert">{events.error.message}</p>}
      <ol>
        {(events.data ?? []).map((event) => (
          <li key={event.id}>
            <p>
              <strong>{who(event)}</strong> {what(event, labels)}
            </p>
            <time className="muted" dateTime={event.happenedAt}>
              {new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(new Date(event.happenedAt))}
            </time>
          </li>
        ))}
      </ol>
    </section>
  );
}

export function who(event: TimelineEvent): string {
  const name = event.actor?.name || "Someone";
  switch (event.actor?.source) {
    case "AGENT":
      return `${name} (agent)`;
    case "API":
      return `${name} (API token)`;
    default:
      return name;
  }
}

export function what(event: TimelineEvent, fields: Map<string, FieldMeta>): string {
  if (event.kind !== "updated") return event.kind;
  const changed = Object.keys(event.changes ?? {}).map((name) => fields.get(name)?.label ?? name);
  return changed.length ? `changed ${changed.join(", ")}` : "updated";
}
