// The pure part of a kanban board: its columns from a select field, where a card moves.

import type { FieldMeta, KithRecord, ObjectMeta } from "../../api/kith";

export interface Column {
  /** The option's value, or null for records with none. */
  value: string | null;
  label: string;
  color: string;
}

/** The select field a board of `object` groups by: `stage` when there is one, else the first. */
export function boardField(object: ObjectMeta): FieldMeta | undefined {
  const selects = object.fields.filter((f) => f.type === "SELECT" && f.isActive !== false);
  return selects.find((f) => f.name === "stage") ?? selects[0];
}

/** The currency field whose amounts a column sums (`amount` when there is one). */
export function sumField(object: ObjectMeta): FieldMeta | undefined {
  const currencies = object.fields.filter((f) => f.type === "CURRENCY" && f.isActive !== false);
  return currencies.find((f) => f.name === "amount") ?? currencies[0];
}

/** A column per option in its order, after the one for records with no value. */
export function columns(field: FieldMeta): Column[] {
  return [
    { value: null, label: `No ${field.label.toLowerCase()}`, color: "gray" },
    ...(field.options ?? []).map((o) => ({ value: o.value, label: o.label, color: o.color })),
  ];
}

/** The filter for the records of one column. */
export function columnFilter(field: FieldMeta, value: string | null): string {
  return value === null ? `${field.name}[is]:NULL` : `${field.name}[eq]:"${value.replace(/["\\]/g, "\\$&")}"`;
}

/** Droppable ids cannot be null: the empty column has its own. */
export const NO_VALUE = "\u0000none";

export function columnId(value: string | null): string {
  return value ?? NO_VALUE;
}

export function valueOf(columnIdentifier: string): string | null {
  return columnIdentifier === NO_VALUE ? null : columnIdentifier;
}

/** Droppable ids of cards, apart from the columns' own. */
export const CARD = "card:";

type Position = unknown;
const isNumber = (value: Position): value is number => typeof value === "number" && Number.isFinite(value);

/** The position between two neighbouring cards: their midpoint; at an end of a column, one
 *  beyond the only neighbour; alone in a column, 0. A neighbour with no position counts as none
 *  (those sort first, so one beyond the other neighbour still lands after them). */
export function positionBetween(before: Position, after: Position): number {
  if (isNumber(before) && isNumber(after)) return (before + after) / 2;
  if (isNumber(before)) return before + 1;
  if (isNumber(after)) return after - 1;
  return 0;
}

/** Where a card dropped on `over` lands among a column's `ids` (without the moved card): before
 *  that card, or after it when dropped past its middle; at the end when dropped on the column. */
export function dropIndex(ids: string[], over: string | null, pastMiddle: boolean): number {
  const at = over === null ? -1 : ids.indexOf(over);
  if (at < 0) return ids.length;
  return pastMiddle ? at + 1 : at;
}

/** The position of a card put at `index` among a column's `cards` (without it). */
export function positionAt(cards: Record<string, Position>[], index: number): number {
  return positionBetween(cards[index - 1]?.position, cards[index]?.position);
}

/** A column's value and cards, in their order. */
export interface ColumnCards {
  value: string | null;
  records: KithRecord[];
}

/** A card's move: the one change to send (its position, and its value of `field` when it changes
 *  column) and both columns' cards after it; null when it lands where it was. */
export function planMove(field: string, id: string, from: ColumnCards, to: ColumnCards, over: string | null, pastMiddle: boolean) {
  const moved = from.records.find((r) => r.id === id);
  if (!moved) return null;
  const others = to.records.filter((r) => r.id !== id);
  const index = dropIndex(others.map((r) => r.id), over, pastMiddle);
  const sameColumn = from.value === to.value;
  if (sameColumn && to.records[index]?.id === id) return null;
  const change: Record<string, unknown> = { position: positionAt(others, index) };
  if (!sameColumn) change[field] = to.value;
  const placed = [...others.slice(0, index), { ...moved, ...change }, ...others.slice(index)];
  return { change, from: sameColumn ? placed : from.records.filter((r) => r.id !== id), to: placed };
}
