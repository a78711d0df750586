import { useState } from "react";
import { useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  DndContext,
  KeyboardSensor,
  PointerSensor,
  pointerWithin,
  rectIntersection,
  useDraggable,
  useDroppable,
  useSensor,
  useSensors,
  type CollisionDetection,
  type DragEndEvent,
} from "@dnd-kit/core";
import { Link } from "wouter";
import { api, type FieldMeta, type KithRecord, type ObjectMeta, type Page } from "../../api/kith";
import { ApiError } from "../../api/client";
import { formatValue } from "../records/format";
import { useCanWrite } from "../shell/role";
import { CARD, columnFilter, columnId, columns, planMove, sumField, valueOf, type Column } from "./board";
import { bothFilters } from "../records/query";
import { Problem } from "../../ui/Problem";

interface Props {
  workspace: string;
  object: ObjectMeta;
  field: FieldMeta;
  /** The table's filters (chips and quick filter), which the board shows too. */
  filter?: string | undefined;
}

const CARDS_PER_COLUMN = 50;
/** Cards in the order people put them in; those never placed first. */
const CARD_ORDER = "position[AscNullsFirst]";

/** Under the pointer, a card rather than its column (to drop beside it); the column's empty
 *  part puts it at the end. Keyboard moves have no pointer: the most overlapped target. */
const collisions: CollisionDetection = (args) => {
  const pointed = pointerWithin(args);
  const hits = (pointed.length ? pointed : rectIntersection(args)).filter((hit) => hit.id !== `${CARD}${args.active.id}`);
  const cards = hits.filter((hit) => String(hit.id).startsWith(CARD));
  return cards.length ? cards : hits;
};

/** Where a drag ended: the column, and the card it was dropped on (null for the column itself). */
function dropTarget(event: DragEndEvent): { column: string | null; card: string | null; pastMiddle: boolean } | null {
  const { over, active } = event;
  if (!over) return null;
  const overId = String(over.id);
  if (!overId.startsWith(CARD)) return { column: valueOf(overId), card: null, pastMiddle: false };
  const moved = active.rect.current.translated;
  const pastMiddle = moved ? moved.top + moved.height / 2 > over.rect.top + over.rect.height / 2 : false;
  return { column: valueOf(String(over.data.current?.column)), card: overId.slice(CARD.length), pastMiddle };
}

/** An object's records as cards in a column per option of `field`, in their `position` order;
 *  dragging a card to another column or place changes its value and position in one request,
 *  shown at once, and put back with a message if the server refuses. */
export function Kanban({ workspace, object, field, filter }: Props) {
  const queries = useQueryClient();
  const canWrite = useCanWrite();
  const [problem, setProblem] = useState<string | null>(null);
  const sum = sumField(object);
  const board = columns(field);
  const label = object.fields.find((f) => f.name === object.labelField);
  const groups = useQuery({
    queryKey: ["groups", workspace, object.namePlural, field.name, filter ?? ""],
    queryFn: () => api.groups(workspace, object, field.name, sum?.name, filter),
  });
  const cardKey = (value: string | null) => ["cards", workspace, object.namePlural, field.name, filter ?? "", value];
  const cards = useQueries({
    queries: board.map((column) => ({
      queryKey: cardKey(column.value),
      queryFn: () =>
        api.page(workspace, object.namePlural, null, { filter: bothFilters(columnFilter(field, column.value), filter), orderBy: CARD_ORDER }, CARDS_PER_COLUMN),
    })),
  });
  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 4 } }), useSensor(KeyboardSensor));

  async function dragEnd(event: DragEndEvent) {
    const target = dropTarget(event);
    if (!target) return;
    const id = String(event.active.id);
    const from = valueOf(String(event.active.data.current?.column));
    const to = target.column;
    // A refetch under way would answer with the card where it was, over the move shown below.
    await queries.cancelQueries({ queryKey: ["cards", workspace, object.namePlural, field.name] });
    const source = queries.getQueryData<Page>(cardKey(from));
    const destination = queries.getQueryData<Page>(cardKey(to));
    if (!source || !destination) return;
    const plan = planMove(field.name, id, { value: from, records: source.records }, { value: to, records: destination.records }, target.card, target.pastMiddle);
    if (!plan) return;
    // Optimistic: the card is in its new place before the server answers.
    queries.setQueryData<Page>(cardKey(from), { ...source, records: plan.from });
    if (from !== to) queries.setQueryData<Page>(cardKey(to), { ...destination, records: plan.to });
    setProblem(null);
    try {
      await api.updateRecord(workspace, object, id, plan.change);
      void queries.invalidateQueries({ queryKey: ["groups", workspace, object.namePlural] });
      void queries.invalidateQueries({ queryKey: ["records", workspace, object.namePlural] });
      // What the server holds now, should anything have been fetched while it saved.
      void queries.invalidateQueries({ queryKey: cardKey(to) });
      if (from !== to) void queries.invalidateQueries({ queryKey: cardKey(from) });
    } catch (caught) {
      queries.setQueryData<Page>(cardKey(from), source);
      if (from !== to) queries.setQueryData<Page>(cardKey(to), destination);
      setProblem(caught instanceof ApiError ? caught.message : String(caught));
    }
  }

  return (
    <>
      <Problem message={problem} />
      <DndContext sensors={sensors} collisionDetection={collisions} onDragEnd={(event) => void dragEnd(event)}>
        <div className="board" role="list" aria-label={`${object.labelPlural} by ${field.label.toLowerCase()}`}>
          {board.map((column, i) => {
            const group = groups.data?.find((g) => g.key === column.value);
            const total = sum ? group?.[`sum:${sum.name}`] : undefined;
            return (
              <BoardColumn
                key={columnId(column.value)}
                column={column}
                count={group?.count ?? 0}
                total={typeof total === "number" ? formatValue("CURRENCY", { amountMicros: total, currencyCode: "" }) : undefined}
                records={cards[i]?.data?.records ?? []}
                render={(record) => {
                  const name = (label && formatValue(label.type, record[label.name])) || "Untitled";
                  return (
                    <Card key={record.id} id={record.id} name={name} column={column.value} draggable={canWrite}>
                      <Link href={`/w/${workspace}/${object.namePlural}/${record.id}`}>{name}</Link>
                      {sum && <span className="muted">{formatValue(sum.type, record[sum.name])}</span>}
                    </Card>
                  );
                }}
              />
            );
          })}
        </div>
      </DndContext>
    </>
  );
}

interface ColumnProps {
  column: Column;
  count: number;
  total: string | undefined;
  records: KithRecord[];
  render: (record: KithRecord) => React.ReactNode;
}

function BoardColumn({ column, count, total, records, render }: ColumnProps) {
  const { setNodeRef, isOver } = useDroppable({ id: columnId(column.value) });
  return (
    <section ref={setNodeRef} className={`board-column${isOver ? " over" : ""}`} role="listitem" aria-label={column.label}>
      <header>
        <span className={`chip chip-${column.color}`}>{column.label}</span>
        <span className="muted">{count}</span>
        {total && <span className="muted board-total">{total}</span>}
      </header>
      <ul>{records.map(render)}</ul>
    </section>
  );
}

/** A card, moved by its handle (a button of its own, so that the card's link stays a link). */
function Card({ id, name, column, draggable, children }: { id: string; name: string; column: string | null; draggable: boolean; children: React.ReactNode }) {
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, isDragging } = useDraggable({
    id,
    data: { column: columnId(column) },
    disabled: !draggable,
  });
  // A card is also a place to drop another beside: before it, or after it past its middle.
  const drop = useDroppable({ id: `${CARD}${id}`, data: { column: columnId(column) }, disabled: !draggable });
  const style = transform ? { transform: `translate(${transform.x}px, ${transform.y}px)` } : undefined;
  return (
    <li
      ref={(node) => {
        setNodeRef(node);
        drop.setNodeRef(node);
      }}
      className={`card-item${isDragging ? " dragging" : ""}${drop.isOver ? " drop-over" : ""}`}
      style={style}
    >
      {draggable && (
        <button type="button" className="card-handle" ref={setActivatorNodeRef} {...attributes} {...listeners} aria-label={`Move ${name}`}>
          ⠿
        </button>
      )}
      <div className="card-body">{children}</div>
    </li>
  );
}
