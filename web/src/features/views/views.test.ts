import { describe, expect, it } from "vitest";
import type { FieldMeta, SavedView } from "../../api/kith";
import { formatColumns, isModified, parseColumns, parseOrderBy, specFromSearch, viewSearch } from "./views";

const fields: FieldMeta[] = [
  { id: "1", name: "name", label: "Name", type: "TEXT" },
  { id: "2", name: "employees", label: "Employees", type: "NUMBER" },
  { id: "3", name: "owner", label: "Owner", type: "FULL_NAME" },
];

const view: SavedView = {
  id: "v1",
  objectMetadataId: "o1",
  name: "Large accounts",
  type: "table",
  visibility: "personal",
  filter: "employees[gte]:100",
  orderBy: "employees[DescNullsLast],owner.firstName[AscNullsFirst]",
  fields: [{ name: "name", width: 240 }, { name: "employees" }],
  kanbanField: null,
  createdBy: { name: "Ada" },
};

describe("a view in the address", () => {
  it("reads orders back into sorts, composite parts and all", () => {
    expect(parseOrderBy(view.orderBy)).toEqual([
      { field: "employees", descending: true },
      { field: "owner", descending: false },
    ]);
    expect(parseOrderBy("name")).toEqual([{ field: "name", descending: false }]);
    expect(parseOrderBy(null)).toEqual([]);
  });

  it("keeps column widths through the address", () => {
    const columns = [{ name: "name", width: 240 }, { name: "employees" }];
    expect(formatColumns(columns)).toBe("name:240,employees");
    expect(parseColumns("name:240,employees")).toEqual(columns);
    expect(parseColumns("name:wide")).toEqual([{ name: "name" }]);
  });

  it("opens a view in place of the previous one, keeping the rest of the address", () => {
    const before = new URLSearchParams("v=old&filter=name[eq]:1&view=kanban&q=ac");
    const opened = viewSearch(view, before);
    expect(opened.get("v")).toBe("v1");
    expect(opened.get("filter")).toBe("employees[gte]:100");
    expect(opened.get("sort")).toBe("employees:desc,owner:asc");
    expect(opened.get("cols")).toBe("name:240,employees");
    expect(opened.has("view")).toBe(false);
    expect(opened.get("q")).toBe("ac");
  });

  it("saves what the address shows, and knows when it differs from the view", () => {
    const opened = viewSearch(view, new URLSearchParams());
    expect(specFromSearch(opened, fields)).toEqual({
      type: "table",
      filter: view.filter,
      orderBy: view.orderBy,
      fields: view.fields,
    });
    expect(isModified(view, opened, fields)).toBe(false);
    opened.set("filter", "employees[gte]:500");
    expect(isModified(view, opened, fields)).toBe(true);
    const kanban = viewSearch(view, new URLSearchParams());
    kanban.set("view", "kanban");
    expect(isModified(view, kanban, fields)).toBe(true);
  });
});
