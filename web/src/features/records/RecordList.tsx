import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useLocation, useSearch } from "wouter";
import { useVirtualizer } from "@tanstack/react-virtual";
import { api, type FieldMeta, type KithRecord, type ObjectMeta } from "../../api/kith";
import { ApiError } from "../../api/client";
import { formatValue } from "./format";
import { newRecordValues } from "./values";
import { useCanWrite } from "../shell/role";
import { Kanban } from "../kanban/Kanban";
import { boardField } from "../kanban/board";
import { SORTABLE, bothFilters, formatSorts, orderBy, parseSorts, quickFilter, toggleSort, type Sort } from "./query";
import { FilterBar } from "./filters/FilterBar";
import { parseFilter, toFilter } from "./filters/model";

interface Props {
  workspace: string;
  plural: string;
}

/** Field types shown as columns in this list; the record page shows the rest. */
const LISTED = new Set([
  "TEXT", "FULL_NAME", "EMAILS", "PHONES", "LINKS", "SELECT", "CURRENCY", "NUMBER", "NUMERIC",
  "DATE", "DATE_TIME", "BOOLEAN", "RATING",
]);
const MAX_COLUMNS = 6;
const ROW_HEIGHT = 32;
/** Rows drawn beyond the visible ones, so fast scrolling shows no gaps. */
const OVERSCAN = 12;

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
  const view = { orderBy: orderBy(sorts, fields), filter: bothFilters(quickFilter(label, typed), filter) };
  const pages = useInfiniteQuery({
    queryKey: ["records", workspace, plural, view],
    queryFn: ({ pageParam }) => api.page(workspace, plural, pageParam, view),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.hasNextPage ? last.endCursor : undefined),
    enabled: Boolean(object),
  });
  // `?new` (from the palette's "New …") opens the new record's row at once.
  const canWrite = useCanWrite();
  const [creating, setCreating] = useState(search.has("new") && canWrite);

  /** Puts the view in the address, so that it can be shared and survives a reload. */
  function setView(change: { sort?: Sort[]; q?: string; kanban?: boolean; filter?: string }) {
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
    const query = next.toString();
    navigate(`/w/${workspace}/${plural}${query ? `?${query}` : ""}`, { replace: true });
  }
  if (objects.isSuccess && !object) {
    return <p role="alert">This workspace has no object called {plural}.</p>;
  }
  const grouping = object ? boardField(object) : undefined;
  const kanban = search.get("view") === "kanban" && grouping !== undefined;
  const records: KithRecord[] = pages.data?.pages.flatMap((page) => page.records) ?? [];
  const total = pages.data?.pages[0]?.totalCount;
  const empty = pages.isSuccess && records.length === 0 && !creating && !typed && !filter;
  const filtered = pages.isSuccess && records.length === 0 && !creating && Boolean(filter);
  const tree = object && parseFilter(filter, fields);
  return (
    <section className="list" aria-labelledby="list-title">
      <header className="list-header">
        <h1 id="list-title">{object?.labelPlural ?? plural}</h1>
        {total !== undefined && <span className="muted">{new Intl.NumberFormat().format(total)}</span>}
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
        {canWrite && (
          <button className="primary" type="button" onClick={() => setCreating(true)} disabled={!object}>
            + New
          </button>
        )}
      </header>
      {object && !kanban && (
        <FilterBar
          fields={fields}
          value={tree ?? { join: "and", items: [] }}
          custom={tree ? undefined : filter}
          onChange={(next) => setView({ filter: toFilter(next, fields) ?? "" })}
        />
      )}
      {pages.error && <p role="alert">{pages.error.message}</p>}
      {creating && object && (
        <NewRecord workspace={workspace} object={object} onDone={() => setCreating(false)} />
      )}
      {kanban && object && grouping ? (
        <Kanban workspace={workspace} object={object} field={grouping} />
      ) : empty ? (
        <p className="empty">
          No {object?.labelPlural.toLowerCase() ?? plural} yet.{canWrite && " Add one with “+ New”."}
        </p>
      ) : filtered ? (
        <p className="empty">No {object?.labelPlural.toLowerCase() ?? plural} match these filters.</p>
      ) : (
        object && (
          <Rows
            workspace={workspace}
            object={object}
            sorts={sorts}
            sortBy={(field, add) => setView({ sort: toggleSort(sorts, field, add) })}
            records={records}
            loading={pages.isPending}
            more={pages.hasNextPage}
            fetchMore={() => {
              if (!pages.isFetchingNextPage) void pages.fetchNextPage();
            }}
          />
        )
      )}
    </section>
  );
}

interface RowsProps {
  workspace: string;
  object: ObjectMeta;
  sorts: Sort[];
  sortBy: (field: string, add: boolean) => void;
  records: KithRecord[];
  loading: boolean;
  more: boolean;
  fetchMore: () => void;
}

function Rows({ workspace, object, sorts, sortBy, records, loading, more, fetchMore }: RowsProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const columns = listedColumns(object.fields, object.labelField);
  // One row more than loaded while more pages exist: a skeleton that asks for the next page.
  const count = loading ? 8 : records.length + (more ? 1 : 0);
  const rows = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN,
  });
  const items = rows.getVirtualItems();
  const lastShown = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    if (more && !loading && lastShown >= records.length - 1) fetchMore();
  }, [more, loading, lastShown, records.length, fetchMore]);
  const template = `repeat(${columns.length}, minmax(10rem, 1fr))`;
  return (
    <div className="grid" ref={scroller} tabIndex={0} role="table" aria-label={object.labelPlural} aria-rowcount={count + 1} aria-busy={loading}>
      <div className="grid-header" role="row" style={{ gridTemplateColumns: template }}>
        {columns.map((field) => {
          const sort = sorts.find((s) => s.field === field.name);
          const order = sort ? (sort.descending ? "descending" : "ascending") : undefined;
          return (
            <div key={field.id} role="columnheader" aria-sort={order ?? "none"}>
              {SORTABLE.has(field.type) ? (
                <button type="button" className="sort" onClick={(event) => sortBy(field.name, event.shiftKey)} title="Sort (Shift adds a column)">
                  {field.label}
                  {sort && <span aria-hidden="true">{sort.descending ? " ↓" : " ↑"}</span>}
                </button>
              ) : (
                field.label
              )}
            </div>
          );
        })}
      </div>
      <div role="rowgroup" style={{ height: rows.getTotalSize(), position: "relative" }}>
        {items.map((item) => {
          const record = loading ? undefined : records[item.index];
          return (
            <div
              key={item.key}
              role="row"
              aria-rowindex={item.index + 2}
              className="grid-row"
              style={{ gridTemplateColumns: template, transform: `translateY(${item.start}px)` }}
            >
              {columns.map((field, column) => (
                <div key={field.id} role="cell">
                  {!record ? (
                    <span className="skeleton" />
                  ) : column === 0 ? (
                    <Link href={`/w/${workspace}/${object.namePlural}/${record.id}`}>
                      {formatValue(field.type, record[field.name]) || "Untitled"}
                    </Link>
                  ) : (
                    formatValue(field.type, record[field.name])
                  )}
                </div>
              ))}
            </div>
          );
        })}
      </div>
    </div>
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
      {error && (
        <p className="problem" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

function listedColumns(fields: FieldMeta[], labelField: string): FieldMeta[] {
  const label = fields.filter((f) => f.name === labelField);
  const rest = fields.filter((f) => f.name !== labelField && f.isActive !== false && LISTED.has(f.type));
  return [...label, ...rest].slice(0, MAX_COLUMNS);
}
