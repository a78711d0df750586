import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from "react";
import { Link, useLocation } from "wouter";
import { useVirtualizer } from "@tanstack/react-virtual";
import type { FieldMeta, KithRecord, ObjectMeta, RecordValue } from "../../api/kith";
import { formatValue } from "./format";
import { SORTABLE, type Sort } from "./query";
import { MAX_WIDTH, MIN_WIDTH, gridTemplate, resizeColumn, type Column } from "./columns";
import { moveCell, type CellPosition } from "./gridKeys";
import { useCanWrite } from "../shell/role";
import { CELL_EDITABLE, EditableCell } from "./EditableCell";
import { relationLabel } from "./editors";

const ROW_HEIGHT = 32;
/** Rows drawn beyond the visible ones, so fast scrolling shows no gaps. */
const OVERSCAN = 12;
const CHECKBOX_COLUMN = "36px";

interface Props {
  workspace: string;
  object: ObjectMeta;
  /** The workspace's objects: a relation cell names its record by the target's label field. */
  objects: ObjectMeta[];
  columns: Column[];
  resize: (field: string, width: number) => void;
  sorts: Sort[];
  sortBy: (field: string, add: boolean) => void;
  records: KithRecord[];
  loading: boolean;
  more: boolean;
  fetchMore: () => void;
  /** Rows can be selected for bulk changes (none for viewers). */
  selection?: { selected: Set<string>; toggle: (ids: string[], on: boolean) => void };
}

/** An object's records as a grid: rows drawn only where visible, pages fetched by cursor as
 *  they near, cells reached with the arrow keys (Enter opens the record from its name, edits
 *  another cell for those who may write; Space selects). */
export function Grid({ workspace, object, objects, columns, resize, sorts, sortBy, records, loading, more, fetchMore, selection }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const [, navigate] = useLocation();
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
  const shown = dragged ? resizeColumn(columns, dragged.name, dragged.width) : columns;
  const template = selection ? `${CHECKBOX_COLUMN} ${gridTemplate(shown)}` : gridTemplate(shown);
  const first = selection ? 1 : 0;
  const cellCount = columns.length + first;
  const canWrite = useCanWrite();

  // The cell that has the keyboard: one cell is in the tab order, the others are reached by keys.
  const [active, setActive] = useState<CellPosition | null>(null);
  const focusWanted = useRef(false);
  useEffect(() => {
    if (!active || !focusWanted.current) return;
    const cell = scroller.current?.querySelector<HTMLElement>(`[data-cell="${active.row}:${active.column}"]`);
    if (cell) {
      cell.focus();
      focusWanted.current = false;
    }
  });

  function keyDown(event: KeyboardEvent<HTMLDivElement>) {
    // Keys on the header's buttons and edges are theirs.
    if (!active || records.length === 0 || !(event.target as HTMLElement).matches("[role=gridcell]")) return;
    const record = records[active.row];
    if (event.key === "Enter" && record && active.column >= first) {
      event.preventDefault();
      navigate(`/w/${workspace}/${object.namePlural}/${record.id}`);
      return;
    }
    if (event.key === " " && record && selection && active.column === 0) {
      event.preventDefault();
      selection.toggle([record.id], !selection.selected.has(record.id));
      return;
    }
    const next = moveCell(active, event.key, event.ctrlKey || event.metaKey, records.length, cellCount);
    if (!next) return;
    event.preventDefault();
    go(next);
  }

  function go(next: CellPosition) {
    rows.scrollToIndex(next.row);
    focusWanted.current = true;
    setActive(next);
  }

  // When a table first shows rows, for the time-to-first-rows measurement (docs/BENCHMARKS.md).
  const marked = useRef(false);
  useEffect(() => {
    if (marked.current || loading || records.length === 0) return;
    marked.current = true;
    performance.mark("kith:first-rows", { detail: object.namePlural });
  }, [loading, records.length, object.namePlural]);

  const allSelected = Boolean(selection) && records.length > 0 && records.every((r) => selection?.selected.has(r.id));
  const someSelected = Boolean(selection?.selected.size) && !allSelected;
  return (
    <div
      className="grid"
      ref={scroller}
      role="grid"
      aria-label={object.labelPlural}
      aria-rowcount={count + 1}
      aria-colcount={cellCount}
      aria-busy={loading}
      aria-multiselectable={selection ? true : undefined}
      tabIndex={active ? -1 : 0}
      onFocus={(event) => {
        if (active || !records.length) return;
        // A click gives the clicked cell the keyboard; Tab into the grid, its first cell.
        focusWanted.current = true;
        setActive(cellOf(event.target) ?? { row: 0, column: first });
      }}
      onKeyDown={keyDown}
    >
      <div className="grid-header" role="row" aria-rowindex={1} style={{ gridTemplateColumns: template }}>
        {selection && (
          <div role="columnheader" className="select-cell">
            <input
              type="checkbox"
              aria-label={`Select all ${records.length} loaded`}
              checked={allSelected}
              ref={(box) => {
                if (box) box.indeterminate = someSelected;
              }}
              onChange={(event) => selection.toggle(records.map((r) => r.id), event.target.checked)}
            />
          </div>
        )}
        {columns.map(({ field }) => (
          <Header key={field.id} field={field} width={columns.find((c) => c.field.name === field.name)?.width} sorts={sorts} sortBy={sortBy}
            onDrag={(width) => setDragged({ name: field.name, width })}
            onDone={(width) => {
              setDragged(null);
              resize(field.name, width);
            }}
          />
        ))}
      </div>
      <div role="rowgroup" style={{ height: rows.getTotalSize(), position: "relative" }}>
        {items.map((item) => {
          const record = loading ? undefined : records[item.index];
          const selected = record ? selection?.selected.has(record.id) : undefined;
          const cellProps = (column: number) => ({
            role: "gridcell",
            "data-cell": `${item.index}:${column}`,
            tabIndex: active?.row === item.index && active.column === column ? 0 : -1,
            onClick: () => setActive({ row: item.index, column }),
          });
          return (
            <div
              key={item.key}
              role="row"
              aria-rowindex={item.index + 2}
              aria-selected={selection && record ? Boolean(selected) : undefined}
              className="grid-row"
              style={{ gridTemplateColumns: template, transform: `translateY(${item.start}px)` }}
            >
              {selection && (
                <div {...cellProps(0)} className="select-cell">
                  {record && (
                    <input
                      type="checkbox"
                      tabIndex={-1}
                      aria-label={`Select ${formatValue(columns[0]?.field.type ?? "TEXT", record[columns[0]?.field.name ?? "id"]) || "untitled"}`}
                      checked={Boolean(selected)}
                      onChange={(event) => selection.toggle([record.id], event.target.checked)}
                    />
                  )}
                </div>
              )}
              {columns.map(({ field }, column) => (
                record && column > 0 && canWrite && CELL_EDITABLE.has(field.type) ? (
                  <EditableCell
                    key={field.id}
                    workspace={workspace}
                    object={object}
                    objects={objects}
                    field={field}
                    record={record}
                    cell={cellProps(column + first)}
                    onTab={(back) => {
                      const next = moveCell({ row: item.index, column: column + first }, back ? "ArrowLeft" : "ArrowRight", false, records.length, cellCount);
                      if (next) go(next);
                    }}
                  >
                    <CellValue field={field} record={record} objects={objects} />
                  </EditableCell>
                ) : (
                  <div key={field.id} {...cellProps(column + first)}>
                    {!record ? (
                      <span className="skeleton" />
                    ) : column === 0 ? (
                      <Link href={`/w/${workspace}/${object.namePlural}/${record.id}`} tabIndex={-1}>
                        {formatValue(field.type, record[field.name]) || "Untitled"}
                      </Link>
                    ) : (
                      <CellValue field={field} record={record} objects={objects} />
                    )}
                  </div>
                )
              ))}
            </div>
          );
        })}
      </div>
    </div>
  );
}

/** The cell an element is in, from its `data-cell`. */
function cellOf(target: EventTarget): CellPosition | null {
  const at = (target as HTMLElement).closest?.("[data-cell]")?.getAttribute("data-cell")?.split(":").map(Number);
  const [row, column] = at ?? [];
  return row === undefined || column === undefined ? null : { row, column };
}

interface HeaderProps {
  field: FieldMeta;
  width: number | undefined;
  sorts: Sort[];
  sortBy: (field: string, add: boolean) => void;
  onDrag: (width: number) => void;
  onDone: (width: number) => void;
}

function Header({ field, width, sorts, sortBy, onDrag, onDone }: HeaderProps) {
  const sort = sorts.find((s) => s.field === field.name);
  const order = sort ? (sort.descending ? "descending" : "ascending") : undefined;
  return (
    <div role="columnheader" aria-sort={order ?? "none"}>
      {SORTABLE.has(field.type) ? (
        <button type="button" className="sort" onClick={(event) => sortBy(field.name, event.shiftKey)} title="Sort (Shift adds a column)">
          {field.label}
          {sort && <span aria-hidden="true">{sort.descending ? " ↓" : " ↑"}</span>}
        </button>
      ) : (
        field.label
      )}
      <Resizer label={field.label} width={width} onDrag={onDrag} onDone={onDone} />
    </div>
  );
}

/** A cell's value: select options as chips in their colours, a relation by its record's name,
 *  everything else as text. */
function CellValue({ field, record, objects }: { field: FieldMeta; record: KithRecord; objects: ObjectMeta[] }) {
  if (field.type === "RELATION") return <>{relationLabel(field, record, objects)}</>;
  const value: RecordValue = record[field.name];
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
