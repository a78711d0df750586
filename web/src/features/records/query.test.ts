import { describe, expect, it } from "vitest";
import type { FieldMeta } from "../../api/kith";
import { bothFilters, formatSorts, orderBy, parseSorts, quickFilter, toggleSort } from "./query";

const fields = [
  { id: "1", name: "name", label: "Name", type: "FULL_NAME" },
  { id: "2", name: "employees", label: "Employees", type: "NUMBER" },
  { id: "3", name: "notes", label: "Notes", type: "RICH_TEXT" },
] as FieldMeta[];

describe("sorts", () => {
  it("travel in the address and back, dropping what cannot be sorted", () => {
    const sorts = parseSorts("employees:desc,name:asc,notes:asc,nothing:desc", fields);
    expect(sorts).toEqual([
      { field: "employees", descending: true },
      { field: "name", descending: false },
    ]);
    expect(formatSorts(sorts)).toBe("employees:desc,name:asc");
  });

  it("cycle ascending, descending, off; shift adds a column", () => {
    let sorts = toggleSort([], "employees", false);
    expect(sorts).toEqual([{ field: "employees", descending: false }]);
    sorts = toggleSort(sorts, "employees", false);
    expect(sorts).toEqual([{ field: "employees", descending: true }]);
    sorts = toggleSort(sorts, "name", true);
    expect(sorts).toEqual([
      { field: "employees", descending: true },
      { field: "name", descending: false },
    ]);
    expect(toggleSort(sorts, "name", false)).toEqual([{ field: "name", descending: true }]);
    expect(toggleSort([{ field: "name", descending: true }], "name", false)).toEqual([]);
  });

  it("become the API's order_by, composite fields by their main part", () => {
    expect(orderBy([{ field: "employees", descending: true }, { field: "name", descending: false }], fields)).toBe(
      "employees[DescNullsLast],name.firstName[AscNullsFirst]",
    );
    expect(orderBy([], fields)).toBeUndefined();
  });
});

describe("quickFilter", () => {
  it("matches a name by its parts, quoting what was typed", () => {
    expect(quickFilter(fields[0], "ada")).toBe('or(name.firstName[ilike]:"%ada%",name.lastName[ilike]:"%ada%")');
    const text = { id: "4", name: "title", label: "Title", type: "TEXT" } as FieldMeta;
    expect(quickFilter(text, ' say "hi" 50% ')).toBe('title[ilike]:"%say \\"hi\\" 50%"');
    expect(quickFilter(text, "  ")).toBeUndefined();
  });
});

describe("bothFilters", () => {
  it("needs a record to match the quick filter and the filter bar's", () => {
    expect(bothFilters('name[ilike]:"%a%"', "a[eq]:1,b[eq]:2")).toBe('and(name[ilike]:"%a%",a[eq]:1,b[eq]:2)');
    expect(bothFilters(undefined, "or(a[eq]:1,b[eq]:2)")).toBe("or(a[eq]:1,b[eq]:2)");
    expect(bothFilters('name[ilike]:"%a%"', "")).toBe('name[ilike]:"%a%"');
    expect(bothFilters(undefined, "")).toBeUndefined();
  });
});
