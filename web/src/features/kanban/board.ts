// The pure part of a kanban board: its columns from a select field, where a card moves.

import type { FieldMeta, ObjectMeta } from "../../api/kith";

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
