import { useState, type FormEvent } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { api, type FieldMeta, type KithRecord, type ObjectMeta } from "../../api/kith";
import { ApiError } from "../../api/client";
import { Problem } from "../../ui/Problem";

/** Field types a bulk change can set from one typed value. */
const SETTABLE = new Set(["TEXT", "NUMBER", "NUMERIC", "BOOLEAN", "DATE", "SELECT"]);

interface Props {
  workspace: string;
  object: ObjectMeta;
  /** The selected records, as loaded. */
  selected: KithRecord[];
  clear: () => void;
}

interface Done {
  message: string;
  undo: () => Promise<void>;
}

/** The value a bulk change sends for what was typed or chosen; an error message if none. */
export function bulkValue(field: FieldMeta, raw: string): { value: unknown } | { error: string } {
  const text = raw.trim();
  if (text === "") return { value: null };
  switch (field.type) {
    case "NUMBER":
    case "NUMERIC": {
      const number = Number(text);
      if (!Number.isFinite(number) || (field.type === "NUMBER" && !Number.isInteger(number))) {
        return { error: field.type === "NUMBER" ? "Type a whole number." : "Type a number." };
      }
      return { value: number };
    }
    case "BOOLEAN":
      return { value: text === "true" };
    default:
      return { value: text };
  }
}

/** Shown while rows are selected: set one field on all of them, or move them to the trash;
 *  either can be undone from the message that follows. */
export function BulkBar({ workspace, object, selected, clear }: Props) {
  const queries = useQueryClient();
  const settable = object.fields.filter((f) => SETTABLE.has(f.type) && f.isActive !== false && f.name !== "id");
  const [fieldName, setFieldName] = useState(settable[0]?.name ?? "");
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<Done | null>(null);
  const [busy, setBusy] = useState(false);
  const field = settable.find((f) => f.name === fieldName);
  const what = (n: number) => `${n} ${(n === 1 ? object.labelSingular : object.labelPlural).toLowerCase()}`;
  const refresh = () => queries.invalidateQueries({ queryKey: ["records", workspace, object.namePlural] });

  async function run(action: () => Promise<Done>) {
    setBusy(true);
    setProblem(null);
    try {
      setDone(await action());
      clear();
    } catch (caught) {
      setProblem(caught instanceof ApiError ? caught.message : String(caught));
    } finally {
      setBusy(false);
      await refresh();
    }
  }

  function setField(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!field) return;
    const typed = bulkValue(field, String(new FormData(event.currentTarget).get("value") ?? ""));
    if ("error" in typed) return setProblem(typed.error);
    const records = selected;
    void run(async () => {
      await api.updateRecords(workspace, object, records.map((r) => r.id), { [field.name]: typed.value });
      return {
        message: `${field.label} set on ${what(records.length)}.`,
        // Each record gets back the value it had.
        undo: async () => {
          for (const record of records) await api.updateRecord(workspace, object, record.id, { [field.name]: record[field.name] ?? null });
        },
      };
    });
  }

  function remove() {
    const ids = selected.map((r) => r.id);
    void run(async () => {
      await api.deleteRecords(workspace, object, ids);
      return {
        message: `${what(ids.length)} moved to the trash.`,
        undo: async () => {
          for (const id of ids) await api.restoreRecord(workspace, object.namePlural, id);
        },
      };
    });
  }

  async function undo() {
    if (!done) return;
    const undoing = done;
    setDone(null);
    await run(async () => {
      await undoing.undo();
      return { message: "Undone.", undo: async () => {} };
    });
  }

  return (
    <div className="bulk-bar">
      {selected.length > 0 && (
        <div role="toolbar" aria-label="Selected records" className="bulk-actions">
          <strong>{selected.length} selected</strong>
          {field && (
            <form onSubmit={setField} className="bulk-set">
              <label>
                <span className="visually-hidden">Field to set</span>
                <select value={fieldName} onChange={(e) => setFieldName(e.target.value)}>
                  {settable.map((f) => (
                    <option key={f.id} value={f.name}>
                      {f.label}
                    </option>
                  ))}
                </select>
              </label>
              <ValueInput key={field.name} field={field} />
              <button type="submit" disabled={busy}>
                Set
              </button>
            </form>
          )}
          <button type="button" className="danger" onClick={remove} disabled={busy}>
            Delete
          </button>
          <button type="button" onClick={clear}>
            Clear selection
          </button>
        </div>
      )}
      <div role="status" className="bulk-status">
        {done && (
          <>
            {done.message}{" "}
            {done.message !== "Undone." && (
              <button type="button" onClick={() => void undo()} disabled={busy}>
                Undo
              </button>
            )}
          </>
        )}
      </div>
      <Problem message={problem} />
    </div>
  );
}

function ValueInput({ field }: { field: FieldMeta }) {
  const label = <span className="visually-hidden">New {field.label.toLowerCase()}</span>;
  if (field.type === "SELECT" || field.type === "BOOLEAN") {
    const options = field.type === "BOOLEAN" ? [{ value: "true", label: "Yes" }, { value: "false", label: "No" }] : (field.options ?? []);
    return (
      <label>
        {label}
        <select name="value" defaultValue={options[0]?.value}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
          <option value="">(empty)</option>
        </select>
      </label>
    );
  }
  const type = field.type === "DATE" ? "date" : field.type === "TEXT" ? "text" : "text";
  return (
    <label>
      {label}
      <input name="value" type={type} inputMode={field.type === "TEXT" ? undefined : "decimal"} placeholder="Value" />
    </label>
  );
}
