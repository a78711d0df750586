import { useEffect, useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "wouter";
import { api, type FieldMeta, type KithRecord, type ObjectMeta, type TimelineEvent } from "../../api/kith";
import { ApiError } from "../../api/client";
import { formatValue } from "./format";
import { useCanWrite } from "../shell/role";
import { EDITABLE, FieldEditor, SAVES_AT_ONCE, fieldKey, relationLabel } from "./editors";
import { BooleanSwitch, RatingEditor } from "./editors/ChoiceEditors";
import { RecordTabs } from "./RecordTabs";
import { FavoriteStar } from "../favorites/FavoriteStar";
import { Problem } from "../../ui/Problem";

interface Props {
  workspace: string;
  plural: string;
  id: string;
}

export const recordKey = (workspace: string, plural: string, id: string) => ["record", workspace, plural, id];

/** One record: every field on the left, editable in place; timeline, notes, tasks and related
 *  records in tabs on the right. */
export function RecordPage({ workspace, plural, id }: Props) {
  const objects = useQuery({ queryKey: ["objects", workspace], queryFn: () => api.objects(workspace) });
  const object = objects.data?.find((o) => o.namePlural === plural);
  // depth=1 embeds each relation's record, so its label shows without a request per field.
  const record = useQuery({
    queryKey: recordKey(workspace, plural, id),
    queryFn: () => api.recordDeep(workspace, plural, id),
    enabled: Boolean(object),
  });
  if (objects.isSuccess && !object) return <p role="alert">This workspace has no object called {plural}.</p>;
  if (record.error) return <p role="alert">{record.error.message}</p>;
  if (!object || !record.data || !objects.data) return <div className="splash" aria-busy="true" />;
  const label = object.fields.find((f) => f.name === object.labelField);
  const title = label ? formatValue(label.type, record.data[label.name]) : id;
  const fields = object.fields.filter((f) => f.isActive !== false);
  return (
    <article className="record" aria-labelledby="record-title">
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link href={`/w/${workspace}/${plural}`}>{object.labelPlural}</Link>
      </nav>
      <div className="record-title">
        <h1 id="record-title">{title || "Untitled"}</h1>
        <FavoriteStar workspace={workspace} target={{ recordId: id, objectMetadataId: object.id }} what={title || "this record"} />
      </div>
      <div className="record-columns">
        <dl className="record-fields" aria-label="Fields">
          {fields.map((field) => (
            <FieldRow key={field.id} workspace={workspace} objects={objects.data} object={object} record={record.data} field={field} />
          ))}
        </dl>
        <RecordTabs workspace={workspace} objects={objects.data} object={object} record={record.data} />
      </div>
    </article>
  );
}

interface FieldRowProps {
  workspace: string;
  objects: ObjectMeta[];
  object: ObjectMeta;
  record: KithRecord;
  field: FieldMeta;
}

/** What the server said about this field (its details name it, or a part of it). */
export function messageFor(error: unknown, key: string): string {
  if (!(error instanceof ApiError)) return String(error);
  const mine = error.details.find((d) => d.field === key || d.field.startsWith(`${key}.`));
  // Not when the message already says it (it often names the one wrong field itself).
  return mine && !error.message.includes(mine.message) ? `${error.message}: ${mine.field} ${mine.message}` : error.message;
}

/** A field's value; click (or Enter) to edit. Saved optimistically: the new value shows at
 *  once, and goes back, with the server's reason, if the server refuses it. */
function FieldRow({ workspace, objects, object, record, field }: FieldRowProps) {
  const queries = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // A relation's label until the record comes back with the new one embedded.
  const [pendingLabel, setPendingLabel] = useState<string | null>(null);
  const canWrite = useCanWrite() && EDITABLE.has(field.type);
  const key = fieldKey(field);
  const cacheKey = recordKey(workspace, object.namePlural, record.id);
  useEffect(() => setPendingLabel(null), [record[field.name]]);

  async function save(next: unknown, label?: string) {
    const before = queries.getQueryData<KithRecord>(cacheKey);
    setEditing(false);
    setError(null);
    if (field.type === "RELATION") setPendingLabel(next ? (label ?? "") : null);
    if (before) queries.setQueryData(cacheKey, { ...before, [key]: next });
    try {
      const saved = await api.updateRecord(workspace, object, record.id, { [key]: next });
      // The PATCH answer has no embedded relations: keep them, refetch when one changed.
      queries.setQueryData<KithRecord>(cacheKey, (now) => ({ ...(now ?? saved), ...saved }));
      if (field.type === "RELATION") void queries.invalidateQueries({ queryKey: cacheKey });
      void queries.invalidateQueries({ queryKey: ["timeline", workspace, object.namePlural, record.id] });
      void queries.invalidateQueries({ queryKey: ["records", workspace, object.namePlural] });
    } catch (caught) {
      if (before) queries.setQueryData(cacheKey, before);
      setPendingLabel(null);
      setError(`Not saved. ${messageFor(caught, key)}`);
    }
  }

  const inputId = `field-${field.id}`;
  let shown;
  if (SAVES_AT_ONCE.has(field.type)) {
    const Control = field.type === "BOOLEAN" ? BooleanSwitch : RatingEditor;
    shown = <Control id={inputId} label={field.label} value={record[key]} onSave={(next) => void save(next)} disabled={!canWrite} />;
  } else if (editing) {
    shown = (
      <FieldEditor
        id={inputId}
        field={field}
        record={record}
        workspace={workspace}
        objects={objects}
        onSave={(next, label) => void save(next, label)}
        onCancel={() => setEditing(false)}
      />
    );
  } else {
    const text = <ValueText field={field} record={record} objects={objects} pendingLabel={pendingLabel} />;
    shown = canWrite ? (
      <button id={inputId} type="button" className="value" onClick={() => setEditing(true)}>
        {text}
      </button>
    ) : (
      <span id={inputId} className="value">
        {text}
      </span>
    );
  }
  return (
    <div className="record-field">
      <dt>
        {/* A label for inputs; a group's controls carry the field's name themselves. */}
        <label htmlFor={inputId}>{field.label}</label>
      </dt>
      <dd>
        {shown}
        {field.type === "RELATION" && !editing && <RelationLink workspace={workspace} field={field} record={record} objects={objects} />}
        <Problem message={error} inline />
      </dd>
    </div>
  );
}

/** A field's value as shown when not editing: chips for selects, a label for relations. */
function ValueText({ field, record, objects, pendingLabel }: { field: FieldMeta; record: KithRecord; objects: ObjectMeta[]; pendingLabel: string | null }) {
  const value = record[fieldKey(field)];
  const empty = <span className="muted">Empty</span>;
  if (field.type === "SELECT" || field.type === "MULTI_SELECT") {
    const chosen = Array.isArray(value) ? value.map(String) : typeof value === "string" ? [value] : [];
    const options = (field.options ?? []).filter((o) => chosen.includes(o.value));
    if (!options.length) return empty;
    return (
      <span className="cell-chips">
        {options.map((o) => (
          <span key={o.value} className={`chip chip-${o.color}`}>
            {o.label}
          </span>
        ))}
      </span>
    );
  }
  if (field.type === "RELATION") return <>{pendingLabel ?? (relationLabel(field, record, objects) || empty)}</>;
  if (field.type === "RICH_TEXT") {
    const firstLine = typeof value === "string" ? (value.split("\n").find((l) => l.trim()) ?? "") : "";
    return <>{firstLine || empty}</>;
  }
  if (field.type === "ADDRESS") {
    const parts = typeof value === "object" && value ? Object.entries(value as Record<string, unknown>) : [];
    const text = parts.filter(([k, v]) => !/Lat|Lng/.test(k) && typeof v === "string" && v).map(([, v]) => v).join(", ");
    return <>{text || empty}</>;
  }
  return <>{formatValue(field.type, value) || empty}</>;
}

function RelationLink({ workspace, field, record, objects }: { workspace: string; field: FieldMeta; record: KithRecord; objects: ObjectMeta[] }) {
  const id = record[fieldKey(field)];
  const target = objects.find((o) => o.nameSingular === field.relation?.target);
  if (typeof id !== "string" || !target) return null;
  return (
    <Link className="relation-open" href={`/w/${workspace}/${target.namePlural}/${id}`}>
      Open {relationLabel(field, record, objects)}
    </Link>
  );
}

/** Who changed what, newest first; agents and API tokens named as such. */
export function Timeline({ workspace, object, id }: { workspace: string; object: ObjectMeta; id: string }) {
  const events = useQuery({
    queryKey: ["timeline", workspace, object.namePlural, id],
    queryFn: () => api.timeline(workspace, object, id),
  });
  const labels = new Map(object.fields.map((f) => [f.name, f]));
  return (
    <section className="timeline" aria-label="Timeline">
      <Problem message={events.error?.message} />
      {events.data?.length === 0 && <p className="muted">Nothing has happened yet.</p>}
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
