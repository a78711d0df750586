import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useLocation, useSearch } from "wouter";
import { ApiError } from "../../api/client";
import { api, type ObjectMeta } from "../../api/kith";
import {
  importsApi,
  isRunning,
  type ColumnMapping,
  type ImportRecord,
  type ImportSpec,
  type UploadedColumn,
} from "../../api/imports";
import { Problem } from "../../ui/Problem";
import { useToast } from "../../ui/Toast";
import { Mapping } from "./Mapping";
import { Outcome } from "./Outcome";

/** Importing a CSV file into an object: choose the file, map its columns, preview, run,
 *  follow, and afterwards download the rejected rows or undo. The import's id is in the
 *  address (`?import=`), so the page can be left and come back to while it runs. */
export function ImportPage({ workspace, plural }: { workspace: string; plural: string }) {
  const objects = useQuery({ queryKey: ["objects", workspace], queryFn: () => api.objects(workspace) });
  const id = new URLSearchParams(useSearch()).get("import");
  const object = objects.data?.find((o) => o.namePlural === plural);
  if (objects.isPending) return <p className="muted" aria-busy="true">Loading…</p>;
  if (!object) return <p role="alert">This workspace has no object called {plural}.</p>;
  return (
    <section className="import" aria-labelledby="import-title">
      <header className="list-header">
        <h1 id="import-title">Import {object.labelPlural.toLowerCase()}</h1>
        <Link href={`/w/${workspace}/${plural}`}>Back to {object.labelPlural.toLowerCase()}</Link>
      </header>
      {id ? (
        <ImportRun key={id} workspace={workspace} object={object} id={id} objects={objects.data ?? []} />
      ) : (
        <ChooseFile workspace={workspace} object={object} />
      )}
    </section>
  );
}

/** The file input, and the imports done before. */
function ChooseFile({ workspace, object }: { workspace: string; object: ObjectMeta }) {
  const queries = useQueryClient();
  const [, navigate] = useLocation();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const history = useQuery({
    queryKey: ["imports", workspace, object.namePlural],
    queryFn: () => importsApi.list(workspace, object.namePlural),
  });
  async function chosen(file: File | undefined) {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      const uploaded = await importsApi.upload(workspace, object.namePlural, file);
      queries.setQueryData(["import-columns", uploaded.data.id], uploaded.columns);
      navigate(`/w/${workspace}/${object.namePlural}/import?import=${uploaded.data.id}`);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.details[0]?.message ?? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  }
  return (
    <div className="settings-stack">
      <p className="muted">
        A CSV file or an Excel workbook (its first sheet) with a header line: each column goes to a field, each row becomes a{" "}
        {object.labelSingular.toLowerCase()} or updates one. Nothing is written before you choose.
      </p>
      <label className="field settings-narrow">
        <span>CSV or Excel file</span>
        <input type="file" accept=".csv,text/csv,.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" disabled={busy} onChange={(e) => void chosen(e.target.files?.[0])} />
      </label>
      {busy && <p className="muted" aria-busy="true">Reading the file…</p>}
      <Problem message={error} />
      {history.data && history.data.length > 0 && (
        <table className="import-history">
          <caption>Earlier imports</caption>
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Status</th>
              <th scope="col">Rows</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {history.data.map((item) => (
              <tr key={item.id}>
                <td>
                  <Link href={`/w/${workspace}/${object.namePlural}/import?import=${item.id}`}>{item.fileName}</Link>
                </td>
                <td>{statusText(item)}</td>
                <td>{new Intl.NumberFormat().format(item.counts.rows)}</td>
                <td>{new Date(item.createdAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function statusText(item: ImportRecord): string {
  switch (item.status) {
    case "UPLOADED":
      return "Not run";
    case "PREVIEWING":
      return "Previewing";
    case "PREVIEWED":
      return "Previewed";
    case "RUNNING":
      return "Importing";
    case "CANCELLING":
      return "Stopping";
    case "DONE":
      return "Imported";
    case "FAILED":
      return "Failed";
    case "CANCELLED":
      return "Cancelled";
    case "UNDONE":
      return "Undone";
  }
}

/** One import: its mapping until it runs, its progress while it runs, its outcome after. */
function ImportRun({ workspace, object, id, objects }: { workspace: string; object: ObjectMeta; id: string; objects: ObjectMeta[] }) {
  const queries = useQueryClient();
  const toast = useToast();
  const plural = object.namePlural;
  const key = ["import", workspace, plural, id];
  const record = useQuery({
    queryKey: key,
    queryFn: () => importsApi.get(workspace, plural, id),
    refetchInterval: (query) => (query.state.data && isRunning(query.state.data.status) ? 400 : false),
  });
  const suggested = queries.getQueryData<UploadedColumn[]>(["import-columns", id]);
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (record.isPending) return <p className="muted" aria-busy="true">Loading…</p>;
  if (record.error) return <Problem message={record.error.message} />;
  const item = record.data;
  const wrote = item.counts.created + item.counts.updated > 0;
  const canMap = item.status === "UPLOADED" || editing || ((item.status === "FAILED" || item.status === "CANCELLED") && !wrote && !item.spec);

  async function run(spec: ImportSpec) {
    setError(null);
    try {
      const started = await importsApi.run(workspace, plural, id, spec);
      queries.setQueryData(key, started);
      setEditing(false);
      await queries.invalidateQueries({ queryKey: key });
      if (!spec.dryRun) await queries.invalidateQueries({ queryKey: ["imports", workspace, plural] });
    } catch (caught) {
      setError(caught instanceof ApiError ? describe(caught) : String(caught));
    }
  }
  async function act(what: "cancel" | "undo") {
    try {
      await (what === "cancel" ? importsApi.cancel(workspace, plural, id) : importsApi.undo(workspace, plural, id));
      await queries.invalidateQueries({ queryKey: key });
      await queries.invalidateQueries({ queryKey: ["records", workspace, plural] });
      if (what === "undo") toast({ message: `Undid the import of ${item.fileName}` });
    } catch (caught) {
      toast({ message: caught instanceof ApiError ? caught.message : String(caught) });
    }
  }
  async function downloadRejected() {
    const { blob, filename } = await importsApi.rejected(workspace, plural, id);
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = filename;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  }

  if (canMap) {
    const columns = mappingColumns(item, suggested);
    return (
      <>
        <p>
          <strong>{item.fileName}</strong>: choose where each column goes.
        </p>
        <Mapping workspace={workspace} object={object} objects={objects} columns={columns} spec={item.spec} onRun={run} />
        <Problem message={error} />
      </>
    );
  }
  return (
    <div className="settings-stack">
      <p>
        <strong>{item.fileName}</strong> · {statusText(item)}
        {item.startedBy && <span className="muted"> · by {item.startedBy}</span>}
      </p>
      {isRunning(item.status) && (
        <div className="import-progress">
          <progress max={1} value={item.progress} aria-label="Import progress" />
          <span>
            {Math.round(item.progress * 100)}% · {new Intl.NumberFormat().format(item.counts.rows)} rows read
          </span>
          <button type="button" onClick={() => void act("cancel")} disabled={item.status === "CANCELLING"}>
            Cancel
          </button>
        </div>
      )}
      <Counts item={item} />
      <Problem message={item.error} />
      {!isRunning(item.status) && (
        <div className="form-actions">
          {item.status === "PREVIEWED" && item.spec && (
            <button className="primary" type="button" onClick={() => item.spec && void run({ ...item.spec, dryRun: false })}>
              Import {new Intl.NumberFormat().format(item.counts.created + item.counts.updated)} rows
            </button>
          )}
          {(item.status === "PREVIEWED" || (!wrote && item.status !== "UNDONE" && item.status !== "DONE")) && (
            <button type="button" onClick={() => setEditing(true)}>
              Change the mapping
            </button>
          )}
          {item.status !== "PREVIEWED" && item.counts.skipped + item.counts.failed > 0 && (
            <button type="button" onClick={() => void downloadRejected()}>
              Download rejected rows
            </button>
          )}
          {(item.status === "DONE" || item.status === "CANCELLED" || (item.status === "FAILED" && wrote)) && (
            <button type="button" onClick={() => void act("undo")}>
              Undo import
            </button>
          )}
        </div>
      )}
      <Problem message={error} />
      {!isRunning(item.status) && item.status !== "UPLOADED" && (
        <Outcome workspace={workspace} plural={plural} id={id} finished={item.finishedAt} />
      )}
    </div>
  );
}

function Counts({ item }: { item: ImportRecord }) {
  const n = (value: number) => new Intl.NumberFormat().format(value);
  const preview = item.dryRun && item.status === "PREVIEWED";
  const c = item.counts;
  return (
    <p className="import-counts" aria-live="polite">
      {preview ? "Would create" : "Created"} {n(c.created)} · {preview ? "would update" : "updated"} {n(c.updated)} · skipped{" "}
      {n(c.skipped)} · refused {n(c.failed)}
    </p>
  );
}

/** The columns to map: those the upload suggested, else the file's header alone. */
function mappingColumns(item: ImportRecord, suggested: UploadedColumn[] | undefined): UploadedColumn[] {
  if (suggested) return suggested;
  const spec = new Map<string, ColumnMapping>((item.spec?.columns ?? []).map((c) => [c.column, c]));
  return (item.columns ?? []).map((column) => ({
    column,
    samples: [],
    field: spec.get(column)?.field ?? null,
    by: spec.get(column)?.by ?? null,
  }));
}

/** A refused spec in a sentence: the server's words for the entry it names. */
function describe(error: ApiError): string {
  const detail = error.details[0];
  return detail ? `${detail.field}: ${detail.message}` : error.message;
}
