import { useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { ApiError } from "../../api/client";
import { api, type ObjectMeta } from "../../api/kith";
import type { ColumnMapping, DateOrder, ImportMode, ImportSpec, UploadedColumn } from "../../api/imports";
import { Problem } from "../../ui/Problem";
import { choiceFor, keyOf, lookupChoices, matchChoices, targetsOf } from "./targets";

const MODES: { value: ImportMode; label: string }[] = [
  { value: "UPSERT", label: "Update matching records, create the others" },
  { value: "CREATE", label: "Create only (skip rows that match a record)" },
  { value: "UPDATE", label: "Update only (skip rows that match none)" },
];

/** Each column of the file with its samples and the field it goes to (a relation with the field
 *  its related record is found by), and the import's options; Preview runs a dry run. */
export function Mapping({
  workspace,
  object,
  objects,
  columns,
  spec,
  onRun,
}: {
  workspace: string;
  object: ObjectMeta;
  objects: ObjectMeta[];
  columns: UploadedColumn[];
  spec: ImportSpec | null;
  onRun: (spec: ImportSpec) => Promise<void>;
}) {
  const queries = useQueryClient();
  const targets = targetsOf(object);
  const [mappings, setMappings] = useState<ColumnMapping[]>(() =>
    columns.map((c) => ({ column: c.column, field: choiceFor(object, c.field) || null, by: c.by })),
  );
  const [mode, setMode] = useState<ImportMode>(spec?.mode ?? "UPSERT");
  const [matchOn, setMatchOn] = useState<string>(spec?.matchOn ?? "");
  const [stopOnError, setStopOnError] = useState(spec?.stopOnError ?? false);
  const [dateOrder, setDateOrder] = useState<DateOrder | "">(spec?.formats.dateOrder ?? "");
  const [decimalComma, setDecimalComma] = useState(spec?.formats.decimalComma ?? false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  function change(at: number, next: Partial<ColumnMapping>) {
    setMappings((all) => all.map((m, i) => (i === at ? { ...m, ...next } : m)));
  }
  function choose(at: number, value: string) {
    const target = targets.find((t) => t.value === value);
    const relation = target?.relationTo && objects.find((o) => o.nameSingular === target.relationTo);
    const by = relation ? (lookupChoices(relation).find((c) => c.value === "name")?.value ?? "id") : null;
    change(at, { field: value || null, by });
  }
  async function createField(at: number, header: string) {
    setProblem(null);
    const name = fieldName(header);
    try {
      await api.createField(workspace, { objectMetadataId: object.id, name, label: header.trim(), type: "TEXT" });
      await queries.invalidateQueries({ queryKey: ["objects", workspace] });
      change(at, { field: name, by: null });
    } catch (caught) {
      setProblem(caught instanceof ApiError ? caught.message : String(caught));
    }
  }
  async function run(dryRun: boolean) {
    setBusy(true);
    try {
      await onRun({
        mode,
        matchOn: matchOn || null,
        columns: mappings.map((m) => ({ column: m.column, field: m.field || null, ...(m.by ? { by: m.by } : {}) })),
        stopOnError,
        dryRun,
        formats: { dateOrder: dateOrder || null, decimalComma },
      });
    } finally {
      setBusy(false);
    }
  }
  const mappedKeys = new Set(mappings.flatMap((m) => (m.field ? [keyOf(m.field)] : [])));
  const matchable = matchChoices(object).filter((c) => mappedKeys.has(c.value));
  return (
    <div className="settings-stack">
      <table className="import-mapping">
        <thead>
          <tr>
            <th scope="col">Column</th>
            <th scope="col">Sample values</th>
            <th scope="col">Goes to</th>
          </tr>
        </thead>
        <tbody>
          {mappings.map((mapping, at) => {
            const column = columns[at];
            const target = targets.find((t) => t.value === mapping.field);
            const related = target?.relationTo ? objects.find((o) => o.nameSingular === target.relationTo) : undefined;
            return (
              <tr key={mapping.column}>
                <th scope="row">{mapping.column}</th>
                <td className="muted">{column?.samples.join(", ")}</td>
                <td>
                  <select aria-label={`Field for ${mapping.column}`} value={mapping.field ?? ""} onChange={(e) => choose(at, e.target.value)}>
                    <option value="">Don’t import</option>
                    {targets.map((t) => (
                      <option key={t.value} value={t.value}>
                        {t.label}
                      </option>
                    ))}
                  </select>
                  {related && (
                    <label className="import-by">
                      <span>
                        {related.labelSingular} found by its
                      </span>
                      <select aria-label={`${mapping.column}: ${related.labelSingular} found by`} value={mapping.by ?? "id"} onChange={(e) => change(at, { by: e.target.value })}>
                        {lookupChoices(related).map((c) => (
                          <option key={c.value} value={c.value}>
                            {c.label}
                          </option>
                        ))}
                      </select>
                    </label>
                  )}
                  {!mapping.field && (
                    <button type="button" className="link" onClick={() => void createField(at, mapping.column)}>
                      Create a field “{mapping.column}”
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <fieldset className="import-options">
        <legend>Options</legend>
        <label className="field">
          <span>Rows</span>
          <select value={mode} onChange={(e) => setMode(e.target.value as ImportMode)}>
            {MODES.map((m) => (
              <option key={m.value} value={m.value}>
                {m.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Match rows to records by</span>
          <select value={matchOn} onChange={(e) => setMatchOn(e.target.value)}>
            <option value="">{matchable[0] ? `${matchable.find((c) => c.value !== "id")?.label ?? matchable[0].label} (the first unique column)` : "Nothing: every row is new"}</option>
            {matchable.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Dates not written year first</span>
          <select value={dateOrder} onChange={(e) => setDateOrder(e.target.value as DateOrder | "")}>
            <option value="">Tell from the file</option>
            <option value="DAY_MONTH_YEAR">Day/month/year</option>
            <option value="MONTH_DAY_YEAR">Month/day/year</option>
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={decimalComma} onChange={(e) => setDecimalComma(e.target.checked)} /> Numbers are written 1.234,5
        </label>
        <label className="check">
          <input type="checkbox" checked={stopOnError} onChange={(e) => setStopOnError(e.target.checked)} /> Stop at the first row that cannot be imported, and import nothing
        </label>
      </fieldset>
      <Problem message={problem} />
      <div className="form-actions">
        <button className="primary" type="button" disabled={busy} onClick={() => void run(true)}>
          Preview
        </button>
        <button type="button" disabled={busy} onClick={() => void run(false)}>
          Import now
        </button>
      </div>
    </div>
  );
}

/** A field's API name from a column's header: `Favourite colour` → `favouriteColour`. */
export function fieldName(header: string): string {
  const words = header
    .normalize("NFKD")
    .replace(/[^A-Za-z0-9 ]/g, " ")
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  const name = words
    .map((w, i) => (i === 0 ? w.toLowerCase() : w[0]?.toUpperCase() + w.slice(1).toLowerCase()))
    .join("");
  return /^[a-z]/.test(name) ? name : `field${name}`;
}
