import { useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from "react";
import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useLocation, useSearch } from "wouter";
import { useVirtualizer } from "@tanstack/react-virtual";
import { api, type FieldMeta, type KithRecord, type ObjectMeta, type RecordValue } from "../../api/kith";
import { ApiError } from "../../api/client";
import { formatValue } from "./format";
import { newRecordValues } from "./values";
import { useCanWrite } from "../shell/role";
import { Kanban } from "../kanban/Kanban";
import { boardField } from "../kanban/board";
import { SORTABLE, bothFilters, formatSorts, orderBy, parseSorts, quickFilter, toggleSort, type Sort } from "./query";
import { FilterBar } from "./filters/FilterBar";
import { parseFilter, toFilter } from "./filters/model";
import { ColumnsMenu } from "./ColumnsMenu";
import { MAX_WIDTH, MIN_WIDTH, asViewColumns, gridTemplate, resizeColumn, shownColumns, type Column } from "./columns";
import { ViewPicker } from "../views/ViewPicker";
import { formatColumns, parseColumns } from "../views/views";

interface Props {
  workspace: string;
  plural: string;
}

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
  const address = search.toString();
  const go = useCallback(
    (next: URLSearchParams) => {
      const query = next.toString();
      if (query !== address) navigate(`/w/${workspace}/${plural}${query ? `?${query}` : ""}`, { replace: true });
    },
    [address, navigate, workspace, plural],
  );
  const columns = object ? shownColumns(object, parseColumns(search.get("cols"))) : [];

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
  const total = pages.data?.pages[0]?.totalCount;
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
          />
        )
      )}
    </section>
  );
}

interface RowsProps {
  workspace: string;
  object: ObjectMeta;
  columns: Column[];
  resize: (field: string, width: number) => void;
  sorts: Sort[];
  sortBy: (field: string, add: boolean) => void;
  records: KithRecord[];
  loading: boolean;
  more: boolean;
  fetchMore: () => void;
}

function Rows({ workspace, object, columns, resize, sorts, sortBy, records, loading, more, fetchMore }: RowsProps) {
  const scroller = useRef<HTMLDivElement>(null);
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
  // While a column's edge is dragged its width lives here; the address gets it on release.
  const [dragged, setDragged] = useState<{ name: string; width: number } | null>(null);
  const template = gridTemplate(dragged ? resizeColumn(columns, dragged.name, dragged.width) : columns);
  return (
    <div className="grid" ref={scroller} tabIndex={0} role="table" aria-label={object.labelPlural} aria-rowcount={count + 1} aria-busy={loading}>
      <div className="grid-header" role="row" style={{ gridTemplateColumns: template }}>
        {columns.map(({ field }) => {
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
              <Resizer
                label={field.label}
                width={columns.find((c) => c.field.name === field.name)?.width}
                onDrag={(width) => setDragged({ name: field.name, width })}
                onDone={(width) => {
                  setDragged(null);
                  resize(field.name, width);
                }}
              />
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
              {columns.map(({ field }, column) => (
                <div key={field.id} role="cell">
                  {!record ? (
                    <span className="skeleton" />
                  ) : column === 0 ? (
                    <Link href={`/w/${workspace}/${object.namePlural}/${record.id}`}>
                      {formatValue(field.type, record[field.name]) || "Untitled"}
                    </Link>
                  ) : (
                    <CellValue field={field} value={record[field.name]} />
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

/** A cell's value: select options as chips in their colours, everything else as text. */
function CellValue({ field, value }: { field: FieldMeta; value: RecordValue }) {
  if ((field.type === "SELECT" || field.type === "MULTI_SELECT") && value !== null && value !== undefined) {
    const values = Array.isArray(value) ? value.map(String) : [String(value)];
    return (
      <span className="cell-chips">
        {values.map((v) => {
          const option = field.options?.find((o) => o.value === v);
          return (
            <span key={v} className={`chip chip-${option?.color ?? "gray"}`}>
              {option?.label ?? v}
            </span>
          );
        })}
      </span>
    );
  }
  return <>{formatValue(field.type, value)}</>;
}

const RESIZE_STEP = 20;

/** A column header's right edge: drag it, or focus it and press ← / →, to set the width. */
function Resizer({ label, width, onDrag, onDone }: { label: string; width: number | undefined; onDrag: (w: number) => void; onDone: (w: number) => void }) {
  const start = useRef<{ x: number; width: number } | null>(null);
  const handle = useRef<HTMLDivElement>(null);
  const current = (element: HTMLElement) => width ?? element.parentElement?.getBoundingClientRect().width ?? 160;
  // A focusable separator says where it stands: the column's width as drawn.
  const [drawn, setDrawn] = useState<number | undefined>(width);
  useLayoutEffect(() => {
    const measured = handle.current ? Math.round(current(handle.current)) : undefined;
    if (measured !== drawn) setDrawn(measured);
  });

  function down(event: PointerEvent<HTMLDivElement>) {
    event.currentTarget.setPointerCapture(event.pointerId);
    start.current = { x: event.clientX, width: current(event.currentTarget) };
  }
  function move(event: PointerEvent<HTMLDivElement>) {
    if (start.current) onDrag(start.current.width + event.clientX - start.current.x);
  }
  function up(event: PointerEvent<HTMLDivElement>) {
    if (!start.current) return;
    onDone(start.current.width + event.clientX - start.current.x);
    start.current = null;
  }
  function key(event: KeyboardEvent<HTMLDivElement>) {
    const delta = event.key === "ArrowRight" ? RESIZE_STEP : event.key === "ArrowLeft" ? -RESIZE_STEP : 0;
    if (!delta) return;
    event.preventDefault();
    onDone(current(event.currentTarget) + delta);
  }
  return (
    <div
      className="resizer"
      role="separator"
      aria-orientation="vertical"
      aria-label={`Resize ${label}`}
      aria-valuenow={drawn ?? MIN_WIDTH}
      aria-valuemin={MIN_WIDTH}
      aria-valuemax={MAX_WIDTH}
      ref={handle}
      tabIndex={0}
      onPointerDown={down}
      onPointerMove={move}
      onPointerUp={up}
      onKeyDown={key}
    />
  );
}
