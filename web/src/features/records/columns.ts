// The table's columns: which fields, in which order, how wide. They travel in the address as
// `?cols=name:240,employees` (see views/views.ts); none there means the object's first few.

import type { FieldMeta, ObjectMeta, ViewColumn } from "../../api/kith";

/** Field types a table shows as columns; the record page shows the rest. */
export const LISTED = new Set([
  "TEXT", "FULL_NAME", "EMAILS", "PHONES", "LINKS", "SELECT", "MULTI_SELECT", "CURRENCY", "NUMBER",
  "NUMERIC", "DATE", "DATE_TIME", "BOOLEAN", "RATING", "RELATION", "RICH_TEXT",
]);
const DEFAULT_COLUMNS = 6;
export const MIN_WIDTH = 40;
export const MAX_WIDTH = 2000;

export interface Column {
  field: FieldMeta;
  width?: number;
}

/** The fields a table of `object` may show: its name first, then the listable active ones. */
export function listable(object: ObjectMeta): FieldMeta[] {
  const label = object.fields.filter((f) => f.name === object.labelField);
  const rest = object.fields.filter((f) => f.name !== object.labelField && f.isActive !== false && LISTED.has(f.type));
  return [...label, ...rest];
}

/** The columns shown: those asked for that exist, the name always first; or the defaults. */
export function shownColumns(object: ObjectMeta, asked: ViewColumn[]): Column[] {
  const fields = listable(object);
  if (!asked.length) return fields.slice(0, DEFAULT_COLUMNS).map((field) => ({ field }));
  const columns: Column[] = [];
  for (const { name, width } of asked) {
    const field = fields.find((f) => f.name === name);
    if (field && !columns.some((c) => c.field.name === name)) columns.push(width ? { field, width } : { field });
  }
  const label = fields.find((f) => f.name === object.labelField);
  if (label && !columns.some((c) => c.field.name === label.name)) columns.unshift({ field: label });
  return columns;
}

export function asViewColumns(columns: Column[]): ViewColumn[] {
  return columns.map(({ field, width }) => (width ? { name: field.name, width } : { name: field.name }));
}

/** Shows or hides `field`; a field shown joins at the end. */
export function toggleColumn(columns: Column[], field: FieldMeta): Column[] {
  return columns.some((c) => c.field.name === field.name)
    ? columns.filter((c) => c.field.name !== field.name)
    : [...columns, { field }];
}

/** Moves a column by `delta` places, never before the first (the name's). */
export function moveColumn(columns: Column[], name: string, delta: number): Column[] {
  const from = columns.findIndex((c) => c.field.name === name);
  const to = from + delta;
  if (from < 1 || to < 1 || to >= columns.length) return columns;
  const next = [...columns];
  const [moved] = next.splice(from, 1);
  if (moved) next.splice(to, 0, moved);
  return next;
}

export function resizeColumn(columns: Column[], name: string, width: number): Column[] {
  const clamped = Math.round(Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, width)));
  return columns.map((c) => (c.field.name === name ? { ...c, width: clamped } : c));
}

/** The CSS grid's columns: a set width, or a share of what is left. */
export function gridTemplate(columns: Column[]): string {
  return columns.map((c) => (c.width ? `${c.width}px` : "minmax(10rem, 1fr)")).join(" ");
}
