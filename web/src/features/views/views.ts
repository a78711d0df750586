// A saved view and the page's address: opening a view writes its filter, sorts, columns and
// type into the address (`?v=…&filter=…&sort=…&cols=…&view=kanban`), so that the address alone
// says what the table shows, and saving reads them back.

import type { FieldMeta, SavedView, ViewColumn, ViewInput } from "../../api/kith";
import { formatSorts, orderBy, parseSorts, type Sort } from "../records/query";

/** The address's keys a view sets; the others (the quick filter `q`, `new`) are the moment's. */
export const VIEW_KEYS = ["v", "filter", "sort", "cols", "view"] as const;

/** `employees[DescNullsLast],name.firstName[AscNullsLast]` → sorts by field. */
export function parseOrderBy(text: string | null): Sort[] {
  if (!text) return [];
  return text
    .split(",")
    .map((part) => part.trim().match(/^([A-Za-z0-9_]+)(?:\.[A-Za-z0-9_]+)?(?:\[(\w+)\])?$/))
    .filter((match): match is RegExpMatchArray => match !== null)
    .map((match) => ({ field: match[1] as string, descending: (match[2] ?? "").startsWith("Desc") }));
}

/** `name,employees:240` → columns, each with its width when one is given. */
export function parseColumns(text: string | null): ViewColumn[] {
  if (!text) return [];
  return text
    .split(",")
    .filter(Boolean)
    .map((part) => {
      const [name = "", width] = part.split(":");
      const pixels = Number(width);
      return width && Number.isInteger(pixels) && pixels > 0 ? { name, width: pixels } : { name };
    });
}

export function formatColumns(columns: ViewColumn[]): string {
  return columns.map((c) => (c.width ? `${c.name}:${c.width}` : c.name)).join(",");
}

/** The address of `view` opened: its own settings, none of the previous view's. */
export function viewSearch(view: SavedView, current: URLSearchParams): URLSearchParams {
  const next = new URLSearchParams(current);
  for (const key of VIEW_KEYS) next.delete(key);
  next.delete("new");
  next.set("v", view.id);
  if (view.filter) next.set("filter", view.filter);
  const sorts = parseOrderBy(view.orderBy);
  if (sorts.length) next.set("sort", formatSorts(sorts));
  if (view.fields.length) next.set("cols", formatColumns(view.fields));
  if (view.type === "kanban") next.set("view", "kanban");
  return next;
}

/** What the address shows, as a view would keep it. */
export function specFromSearch(
  search: URLSearchParams,
  fields: FieldMeta[],
): Pick<ViewInput, "type" | "filter" | "orderBy" | "fields"> {
  return {
    type: search.get("view") === "kanban" ? "kanban" : "table",
    filter: search.get("filter") || null,
    orderBy: orderBy(parseSorts(search.get("sort"), fields), fields) ?? null,
    fields: parseColumns(search.get("cols")),
  };
}

/** Whether the address shows something other than what `view` keeps. */
export function isModified(view: SavedView, search: URLSearchParams, fields: FieldMeta[]): boolean {
  const shown = specFromSearch(search, fields);
  const kept = specFromSearch(viewSearch(view, new URLSearchParams()), fields);
  return JSON.stringify(shown) !== JSON.stringify(kept);
}
