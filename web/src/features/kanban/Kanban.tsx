import { useState } from "react";
import { useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  DndContext,
  KeyboardSensor,
  PointerSensor,
  useDraggable,
  useDroppable,
  useSensor,
  useSensors,
  type DragEndEvent,
} from "@dnd-kit/core";
import { Link } from "wouter";
import { api, type FieldMeta, type KithRecord, type ObjectMeta, type Page } from "../../api/kith";
import { ApiError } from "../../api/client";
import { formatValue } from "../records/format";
import { useCanWrite } from "../shell/role";
import { columnFilter, columnId, columns, sumField, valueOf, type Column } from "./board";

interface Props {
  workspace: string;
  object: ObjectMeta;
  field: FieldMeta;
}

const CARDS_PER_COLUMN = 50;

/** An object's records as cards in a column per option of `field`; dragging a card to another
 *  column changes its value at once, and puts it back with a message if the server refuses. */
export function Kanban({ workspace, object, field }: Props) {
  const queries = useQueryClient();
  const canWrite = useCanWrite();
  const [problem, setProblem] = useState<string | null>(null);
  const sum = sumField(object);
  const board = columns(field);
  const label = object.fields.find((f) => f.name === object.labelField);
  const groups = useQuery({
    queryKey: ["groups", workspace, object.namePlural, field.name],
    queryFn: () => api.groups(workspace, object, field.name, sum?.name),
  });
  const cardKey = (value: string | null) => ["cards", workspace, object.namePlural, field.name, value];
  const cards = useQueries({
    queries: board.map((column) => ({
      queryKey: cardKey(column.value),
      queryFn: () => api.page(workspace, object.namePlural, null, { filter: columnFilter(field, column.value) }, CARDS_PER_COLUMN),
    })),
  });
  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 4 } }), useSensor(KeyboardSensor));

  async function dragEnd(event: DragEndEvent) {
    if (!event.over) return;
    const from = valueOf(String(event.active.data.current?.column));
    const to = valueOf(String(event.over.id));
    if (from === to) return;
    const id = String(event.active.id);
    const moved = queries.getQueryData<Page>(cardKey(from))?.records.find((r) => r.id === id);
    if (!moved) return;
    // Optimistic: the card is in its new column before the server answers.
    const move = (source: string | null, target: string | null, record: KithRecord) => {
      queries.setQueryData<Page>(cardKey(source), (page) => page && { ...page, records: page.records.filter((r) => r.id !== id) });
      queries.setQueryData<Page>(cardKey(target), (page) => page && { ...page, records: [record, ...page.records] });
    };
    move(from, to, { ...moved, [field.name]: to });
    setProblem(null);
    try {
      await api.updateRecord(workspace, object, id, { [field.name]: to });
      void queries.invalidateQueries({ queryKey: ["groups", workspace, object.namePlural] });
      void queries.invalidateQueries({ queryKey: ["records", workspace, object.namePlural] });
    } catch (caught) {
      move(to, from, moved);
      setProblem(caught instanceof ApiError ? caught.message : String(caught));
    }
  }

  return (
    <>
      {problem && (
        <p className="problem" role="alert">
          {problem}
        </p>
      )}
      <DndContext sensors={sensors} onDragEnd={(event) => void dragEnd(event)}>
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
  const style = transform ? { transform: `translate(${transform.x}px, ${transform.y}px)` } : undefined;
  return (
    <li ref={setNodeRef} className={`card-item${isDragging ? " dragging" : ""}`} style={style}>
      {draggable && (
        <button type="button" className="card-handle" ref={setActivatorNodeRef} {...attributes} {...listeners} aria-label={`Move ${name}`}>
          ⠿
        </button>
      )}
      <div className="card-body">{children}</div>
    </li>
  );
}
