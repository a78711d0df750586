import { useCallback, useState, type KeyboardEvent } from "react";
import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useLocation, useSearch } from "wouter";
import { api, type KithRecord, type ObjectMeta } from "../../api/kith";
import { ApiError } from "../../api/client";
import { newRecordValues } from "./values";
import { useCanWrite } from "../shell/role";
import { Kanban } from "../kanban/Kanban";
import { boardField } from "../kanban/board";
import { bothFilters, formatSorts, orderBy, parseSorts, quickFilter, toggleSort, type Sort } from "./query";
import { FilterBar } from "./filters/FilterBar";
import { parseFilter, toFilter } from "./filters/model";
import { ColumnsMenu } from "./ColumnsMenu";
import { asViewColumns, resizeColumn, shownColumns, type Column } from "./columns";
import { Grid } from "./Grid";
import { BulkBar } from "./BulkBar";
import { ViewPicker } from "../views/ViewPicker";
import { formatColumns, parseColumns } from "../views/views";
import { Problem } from "../../ui/Problem";
import { useToast } from "../../ui/Toast";

interface Props {
  workspace: string;
  plural: string;
}


/** An object's records: rows drawn only where visible, pages fetched by cursor as they near. */
export function RecordList({ workspace, plural }: Props) {
  const objects = useQuery({ queryKey: ["objects", workspace], queryFn: () => api.objects(workspace) });
  const object = objects.data?.find((o) => o.namePlural === plural);
  const search = new URLSearchParams(useSearch());
  const [, navigate] = useLocation();
  const fields = object?.fields ?? [];
  const sorts = parseSorts(search.get("sort"), fields);
  const typed = search.get("q") ?? "";
  const label = fields.find((f) => f.name === object?.labelField);
  // The filters travel in the address as the API's own filter, sent as written: one the chips
  // cannot show still goes to the server, whose answer (a 400 naming the problem) is shown.
  const filter = search.get("filter")?.trim() ?? "";
  const columns = object ? shownColumns(object, parseColumns(search.get("cols"))) : [];
  // Relation columns show the related record's name, which only `depth=1` brings: a table
  // without them keeps its cheaper pages.
  const depth = columns.some((c) => c.field.type === "RELATION") ? (1 as const) : undefined;
  const view = { orderBy: orderBy(sorts, fields), filter: bothFilters(quickFilter(label, typed), filter), depth };
  const pages = useInfiniteQuery({
    queryKey: ["records", workspace, plural, view],
    queryFn: ({ pageParam }) => api.page(workspace, plural, pageParam, view),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.hasNextPage ? last.endCursor : undefined),
    enabled: Boolean(object),
  });
  const count = useQuery({
    queryKey: ["records", workspace, plural, "count", view.filter ?? ""],
    queryFn: () => api.count(workspace, plural, view.filter),
    enabled: Boolean(object),
  });
  // `?new` (from the palette's "New …") opens the new record's row at once.
  const canWrite = useCanWrite();
  const [creating, setCreating] = useState(search.has("new") && canWrite);
  const [selected, setSelected] = useState<Set<string>>(() => new Set());
  const select = (ids: string[], on: boolean) =>
    setSelected((was) => {
      const next = new Set(was);
      for (const id of ids) {
        if (on) next.add(id);
        else next.delete(id);
      }
      return next;
    });

  /** Puts the view in the address, so that it can be shared and survives a reload. */
  const address = search.toString();
  const go = useCallback(
    (next: URLSearchParams) => {
      const query = next.toString();
      if (query !== address) navigate(`/w/${workspace}/${plural}${query ? `?${query}` : ""}`, { replace: true });
    },
    [address, navigate, workspace, plural],
  );

  function setView(change: { sort?: Sort[]; q?: string; kanban?: boolean; filter?: string; columns?: Column[] }) {
    const next = new URLSearchParams(search);
    next.delete("new");
    if (change.kanban !== undefined) {
      if (change.kanban) next.set("view", "kanban");
      else next.delete("view");
    }
    if (change.sort) {
      if (change.sort.length) next.set("sort", formatSorts(change.sort));
      else next.delete("sort");
    }
    if (change.q !== undefined) {
      if (change.q) next.set("q", change.q);
      else next.delete("q");
    }
    if (change.filter !== undefined) {
      if (change.filter) next.set("filter", change.filter);
      else next.delete("filter");
    }
    if (change.columns) next.set("cols", formatColumns(asViewColumns(change.columns)));
    go(next);
  }
  if (objects.isSuccess && !object) {
    return <p role="alert">This workspace has no object called {plural}.</p>;
  }
  const grouping = object ? boardField(object) : undefined;
  const kanban = search.get("view") === "kanban" && grouping !== undefined;
  const records: KithRecord[] = pages.data?.pages.flatMap((page) => page.records) ?? [];
  const total = count.data;
  const empty = pages.isSuccess && records.length === 0 && !creating && !typed && !filter;
  const filtered = pages.isSuccess && records.length === 0 && !creating && Boolean(filter);
  const tree = object && parseFilter(filter, fields);
  return (
    <section className="list" aria-labelledby="list-title">
      <header className="list-header">
        <h1 id="list-title">{object?.labelPlural ?? plural}</h1>
        {total !== undefined && <span className="muted">{new Intl.NumberFormat().format(total)}</span>}
        {object && <ViewPicker workspace={workspace} object={object} search={search} go={go} canShare={canWrite} />}
        {grouping && (
          <div className="view-switch" role="group" aria-label="View">
            <button type="button" aria-pressed={!kanban} onClick={() => setView({ kanban: false })}>
              Table
            </button>
            <button type="button" aria-pressed={kanban} onClick={() => setView({ kanban: true })}>
              Kanban
            </button>
          </div>
        )}
        <label className="quick-filter">
          <span className="visually-hidden">Filter by {label?.label.toLowerCase() ?? "name"}</span>
          <input
            type="search"
            placeholder={`Filter by ${label?.label.toLowerCase() ?? "name"}…`}
            defaultValue={typed}
            onChange={(event) => setView({ q: event.target.value })}
          />
        </label>
        {object && !kanban && <ColumnsMenu object={object} columns={columns} onChange={(next) => setView({ columns: next })} />}
        {object && !kanban && (
          <ExportButtons
            workspace={workspace}
            plural={plural}
            view={{ filter: view.filter, orderBy: view.orderBy, fields: columns.map((c) => c.field.name) }}
          />
        )}
        {canWrite && object && (
          <Link className="button" href={`/w/${workspace}/${plural}/import`}>
            Import
          </Link>
        )}
        {canWrite && (
          <button className="primary" type="button" onClick={() => setCreating(true)} disabled={!object}>
            + New
          </button>
        )}
      </header>
      {object && (
        <FilterBar
          fields={fields}
          value={tree ?? { join: "and", items: [] }}
          custom={tree ? undefined : filter}
          onChange={(next) => setView({ filter: toFilter(next, fields) ?? "" })}
        />
      )}
      {object && canWrite && !kanban && (
        <BulkBar
          workspace={workspace}
          object={object}
          selected={records.filter((r) => selected.has(r.id))}
          clear={() => setSelected(new Set())}
        />
      )}
      <Problem message={pages.error?.message} />
      {creating && object && (
        <NewRecord workspace={workspace} object={object} onDone={() => setCreating(false)} />
      )}
      {kanban && object && grouping ? (
        <Kanban workspace={workspace} object={object} field={grouping} filter={view.filter} />
      ) : empty ? (
        <p className="empty">
          No {object?.labelPlural.toLowerCase() ?? plural} yet.
          {canWrite && (
            <>
              {" "}
              <Link href={`/w/${workspace}/${plural}/import`}>Import a CSV file</Link> or add one with “+ New”.
            </>
          )}
        </p>
      ) : filtered ? (
        <p className="empty">No {object?.labelPlural.toLowerCase() ?? plural} match these filters.</p>
      ) : (
        object && (
          <Grid
            workspace={workspace}
            object={object}
            objects={objects.data ?? []}
            columns={columns}
            resize={(name, width) => setView({ columns: resizeColumn(columns, name, width) })}
            sorts={sorts}
            sortBy={(field, add) => setView({ sort: toggleSort(sorts, field, add) })}
            records={records}
            loading={pages.isPending}
            more={pages.hasNextPage}
            fetchMore={() => {
              if (!pages.isFetchingNextPage) void pages.fetchNextPage();
            }}
            {...(canWrite ? { selection: { selected, toggle: select } } : {})}
          />
        )
      )}
    </section>
  );
}

/** A row to type a new record's name into: Enter creates it, Escape gives up. */
function NewRecord({ workspace, object, onDone }: { workspace: string; object: ObjectMeta; onDone: () => void }) {
  const queries = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const label = object.fields.find((field) => field.name === object.labelField)?.label ?? "Name";

  async function keyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === "Escape") onDone();
    if (event.key !== "Enter") return;
    const text = event.currentTarget.value;
    if (!text.trim()) return;
    try {
      await api.createRecord(workspace, object, newRecordValues(object, text));
      await queries.invalidateQueries({ queryKey: ["records", workspace, object.namePlural] });
      onDone();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : String(caught));
    }
  }

  return (
    <div className="new-record">
      <label className="field">
        <span>
          New {object.labelSingular.toLowerCase()}: {label}
        </span>
        <input autoFocus onKeyDown={keyDown} onBlur={(e) => !e.currentTarget.value && onDone()} />
      </label>
      <Problem message={error} />
    </div>
  );
}

/** Saves every record the table shows (its filter, order and columns, not only the rows loaded)
 *  as a CSV file or an Excel workbook. */
function ExportButtons({ workspace, plural, view }: { workspace: string; plural: string; view: Parameters<typeof api.exportRecords>[2] }) {
  const toast = useToast();
  const [busy, setBusy] = useState<"csv" | "xlsx" | null>(null);
  async function save(format: "csv" | "xlsx") {
    setBusy(format);
    try {
      const { blob, filename } = await api.exportRecords(workspace, plural, view, format);
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = filename;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
      toast({ message: `Exported ${filename}` });
    } catch (error) {
      toast({ message: error instanceof ApiError ? `Export failed: ${error.message}` : "Export failed." });
    } finally {
      setBusy(null);
    }
  }
  return (
    <>
      <button type="button" onClick={() => void save("csv")} disabled={busy !== null} aria-busy={busy === "csv"}>
        {busy === "csv" ? "Exporting…" : "Export CSV"}
      </button>
      <button type="button" onClick={() => void save("xlsx")} disabled={busy !== null} aria-busy={busy === "xlsx"}>
        {busy === "xlsx" ? "Exporting…" : "Export Excel"}
      </button>
    </>
  );
}
