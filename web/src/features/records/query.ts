// A table's sort and quick filter, as they travel in the page's address (`?sort=…&q=…`) and as
// the REST API takes them (`order_by`, `filter`).

import type { FieldMeta } from "../../api/kith";

export interface Sort {
  field: string;
  descending: boolean;
}

/** The part of a composite field that orders and matches it. */
const SORT_PART: Record<string, string> = {
  FULL_NAME: "firstName",
  EMAILS: "primaryEmail",
  LINKS: "primaryLinkUrl",
  PHONES: "primaryPhoneNumber",
  CURRENCY: "amountMicros",
};

/** Field types a table can sort by. */
export const SORTABLE = new Set(["TEXT", "NUMBER", "NUMERIC", "DATE", "DATE_TIME", "BOOLEAN", "SELECT", "RATING", ...Object.keys(SORT_PART)]);

/** `employees:desc,name:asc` → sorts, dropping what is not a sortable field. */
export function parseSorts(text: string | null, fields: FieldMeta[]): Sort[] {
  if (!text) return [];
  const sortable = new Set(fields.filter((f) => SORTABLE.has(f.type)).map((f) => f.name));
  return text
    .split(",")
    .map((part) => part.split(":"))
    .filter(([name]) => name !== undefined && sortable.has(name))
    .map(([name, direction]) => ({ field: name as string, descending: direction === "desc" }));
}

export function formatSorts(sorts: Sort[]): string {
  return sorts.map((s) => `${s.field}:${s.descending ? "desc" : "asc"}`).join(",");
}

/** A click on a column's header: ascending, then descending, then off. With `add` (shift) the
 *  column joins the sorts instead of replacing them. */
export function toggleSort(sorts: Sort[], field: string, add: boolean): Sort[] {
  const current = sorts.find((s) => s.field === field);
  const others = add ? sorts.filter((s) => s.field !== field) : [];
  if (!current) return [...others, { field, descending: false }];
  if (!current.descending) {
    const next = { field, descending: true };
    return add ? sorts.map((s) => (s.field === field ? next : s)) : [next];
  }
  return others;
}

/** The API's `order_by`, in Twenty's directions (ascending puts empties first, descending
 *  last): the ones a field's index serves on both databases. */
export function orderBy(sorts: Sort[], fields: FieldMeta[]): string | undefined {
  if (!sorts.length) return undefined;
  return sorts
    .map((sort) => {
      const type = fields.find((f) => f.name === sort.field)?.type ?? "TEXT";
      const part = SORT_PART[type];
      const path = part ? `${sort.field}.${part}` : sort.field;
      return `${path}[${sort.descending ? "DescNullsLast" : "AscNullsFirst"}]`;
    })
    .join(",");
}

function quoted(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** The API's `filter` for "the record's name contains this text". */
export function quickFilter(label: FieldMeta | undefined, text: string): string | undefined {
  const trimmed = text.trim();
  if (!label || !trimmed) return undefined;
  const pattern = quoted(`%${trimmed.replace(/[%_]/g, "")}%`);
  if (label.type === "FULL_NAME") {
    return `or(${label.name}.firstName[ilike]:${pattern},${label.name}.lastName[ilike]:${pattern})`;
  }
  return `${label.name}[ilike]:${pattern}`;
}

/** The quick filter and the filter bar's filter together: records must match both. */
export function bothFilters(quick: string | undefined, filter: string | undefined): string | undefined {
  if (quick && filter) return `and(${quick},${filter})`;
  return quick || filter || undefined;
}
