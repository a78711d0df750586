// The import routes (`/rest/{plural}/imports`, docs/IMPORT.md): upload a CSV file, run it or its
// dry run, follow it, read its rows, cancel, undo.

import { download, request } from "./client";

export type ImportStatus =
  | "UPLOADED"
  | "PREVIEWING"
  | "PREVIEWED"
  | "RUNNING"
  | "CANCELLING"
  | "DONE"
  | "FAILED"
  | "CANCELLED"
  | "UNDONE";

export interface ImportCounts {
  rows: number;
  created: number;
  updated: number;
  skipped: number;
  failed: number;
  bytesRead: number;
}

export interface ColumnMapping {
  column: string;
  field: string | null;
  by?: string | null;
}

export type ImportMode = "CREATE" | "UPDATE" | "UPSERT";
export type DateOrder = "DAY_MONTH_YEAR" | "MONTH_DAY_YEAR";

export interface ImportSpec {
  mode: ImportMode;
  matchOn?: string | null;
  columns: ColumnMapping[];
  stopOnError: boolean;
  dryRun: boolean;
  formats: { dateOrder: DateOrder | null; decimalComma: boolean };
}

export interface ImportRecord {
  id: string;
  object: string;
  fileName: string;
  status: ImportStatus;
  dryRun: boolean;
  spec: ImportSpec | null;
  columns: string[] | null;
  counts: ImportCounts;
  bytesTotal: number;
  progress: number;
  error: string | null;
  startedBy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** A column of an uploaded file: sample values and the field it seems to fill. */
export interface UploadedColumn {
  column: string;
  samples: string[];
  field: string | null;
  by: string | null;
}

export interface Uploaded {
  data: ImportRecord;
  columns: UploadedColumn[];
  delimiter: string;
}

export type RowAction = "CREATE" | "UPDATE" | "SKIP" | "ERROR";

export interface ImportRow {
  row: number;
  action: RowAction;
  reason: string | null;
  recordId: string | null;
  values: string[] | null;
}

/** Whether an import is still reading its file. */
export function isRunning(status: ImportStatus): boolean {
  return status === "RUNNING" || status === "PREVIEWING" || status === "CANCELLING";
}

const base = (plural: string) => `/rest/${encodeURIComponent(plural)}/imports`;
const one = (plural: string, id: string, ...rest: string[]) =>
  [base(plural), encodeURIComponent(id), ...rest].join("/");

export const importsApi = {
  upload: (workspace: string, plural: string, file: File) =>
    request<Uploaded>(`${base(plural)}?${new URLSearchParams({ fileName: file.name })}`, {
      method: "POST",
      bytes: new Blob([file], { type: file.type || "text/csv" }),
      workspace,
    }),
  run: async (workspace: string, plural: string, id: string, spec: ImportSpec) =>
    (await request<{ data: ImportRecord }>(one(plural, id, "run"), { method: "POST", body: spec, workspace })).data,
  get: async (workspace: string, plural: string, id: string) =>
    (await request<{ data: ImportRecord }>(one(plural, id), { workspace })).data,
  list: async (workspace: string, plural: string) =>
    (await request<{ data: ImportRecord[] }>(`${base(plural)}?limit=20`, { workspace })).data,
  rows: async (workspace: string, plural: string, id: string, rejectedOnly: boolean) => {
    const query = new URLSearchParams({ limit: "200", rejectedOnly: String(rejectedOnly) });
    return (await request<{ data: ImportRow[] }>(`${one(plural, id, "rows")}?${query}`, { workspace })).data;
  },
  cancel: (workspace: string, plural: string, id: string) =>
    request<unknown>(one(plural, id, "cancel"), { method: "POST", workspace }),
  undo: (workspace: string, plural: string, id: string) =>
    request<unknown>(one(plural, id, "undo"), { method: "POST", workspace }),
  rejected: (workspace: string, plural: string, id: string) =>
    download(one(plural, id, "rejected"), { workspace }),
};
