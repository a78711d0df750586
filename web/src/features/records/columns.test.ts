import { describe, expect, it } from "vitest";
import type { ObjectMeta } from "../../api/kith";
import { asViewColumns, gridTemplate, moveColumn, resizeColumn, shownColumns, toggleColumn } from "./columns";

const field = (name: string, type = "TEXT", isActive = true) => ({ id: name, name, label: name, type, isActive });
const companies: ObjectMeta = {
  id: "o", nameSingular: "company", namePlural: "companies", labelSingular: "Company", labelPlural: "Companies",
  icon: "", isCustom: false, isActive: true, labelField: "name",
  fields: [
    field("id", "UUID"), field("domain"), field("name"), field("employees", "NUMBER"), field("notes", "ADDRESS"),
    field("gone", "TEXT", false), field("a", "TEXT"), field("b", "TEXT"), field("c", "TEXT"), field("d", "TEXT"),
  ],
};
const names = (columns: { field: { name: string } }[]) => columns.map((c) => c.field.name);

describe("table columns", () => {
  it("shows the name and the first listable fields by default", () => {
    expect(names(shownColumns(companies, []))).toEqual(["name", "domain", "employees", "a", "b", "c"]);
  });

  it("shows what was asked, in its order, the name first, unknown and inactive fields left out", () => {
    const shown = shownColumns(companies, [{ name: "employees", width: 90 }, { name: "gone" }, { name: "notes" }, { name: "nope" }]);
    expect(names(shown)).toEqual(["name", "employees"]);
    expect(shown[1]?.width).toBe(90);
  });

  it("hides, shows, moves and resizes, keeping the name first", () => {
    let columns = shownColumns(companies, [{ name: "name" }, { name: "domain" }, { name: "employees" }]);
    columns = toggleColumn(columns, field("domain"));
    expect(names(columns)).toEqual(["name", "employees"]);
    columns = toggleColumn(columns, field("a"));
    expect(names(columns)).toEqual(["name", "employees", "a"]);
    columns = moveColumn(columns, "a", -1);
    expect(names(columns)).toEqual(["name", "a", "employees"]);
    expect(names(moveColumn(columns, "a", -1))).toEqual(["name", "a", "employees"]);
    expect(names(moveColumn(columns, "name", 1))).toEqual(["name", "a", "employees"]);
    columns = resizeColumn(columns, "employees", 5);
    expect(asViewColumns(columns)).toEqual([{ name: "name" }, { name: "a" }, { name: "employees", width: 40 }]);
    expect(gridTemplate(columns)).toBe("minmax(10rem, 1fr) minmax(10rem, 1fr) 40px");
  });
});
