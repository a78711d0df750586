import { describe, expect, it } from "vitest";
import { labelValue, newRecordValues } from "./values";
import type { ObjectMeta } from "../../api/kith";

describe("labelValue", () => {
  it("splits a full name at its first space", () => {
    expect(labelValue("FULL_NAME", "  Ada King Lovelace ")).toEqual({ firstName: "Ada", lastName: "King Lovelace" });
    expect(labelValue("FULL_NAME", "Plato")).toEqual({ firstName: "Plato", lastName: "" });
  });

  it("keeps text as typed, trimmed", () => {
    expect(labelValue("TEXT", "  Babbage & Co ")).toBe("Babbage & Co");
  });
});

describe("newRecordValues", () => {
  it("names the record by the object's label field", () => {
    const people = {
      labelField: "name",
      fields: [{ id: "f1", name: "name", label: "Name", type: "FULL_NAME" }],
    } as unknown as ObjectMeta;
    expect(newRecordValues(people, "Grace Hopper")).toEqual({ name: { firstName: "Grace", lastName: "Hopper" } });
    const tasks = { labelField: "title", fields: [{ id: "f2", name: "title", label: "Title", type: "TEXT" }] } as unknown as ObjectMeta;
    expect(newRecordValues(tasks, "Call back")).toEqual({ title: "Call back" });
  });
});
