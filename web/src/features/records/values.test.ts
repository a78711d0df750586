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

describe("editing", () => {
  it("starts from the stored value's main part", async () => {
    const { editText } = await import("./values");
    expect(editText("FULL_NAME", { firstName: "Ada", lastName: "Lovelace" })).toBe("Ada Lovelace");
    expect(editText("EMAILS", { primaryEmail: "ada@example.com", additionalEmails: ["a@b.c"] })).toBe("ada@example.com");
    expect(editText("NUMBER", 12)).toBe("12");
    expect(editText("TEXT", null)).toBe("");
  });

  it("sends what was typed and keeps what was not edited", async () => {
    const { parseEdit } = await import("./values");
    expect(parseEdit("NUMBER", " 1,200 ", null)).toEqual({ value: 1200 });
    expect(parseEdit("NUMBER", "1.5", null)).toEqual({ error: "Type a whole number." });
    expect(parseEdit("NUMERIC", "abc", null)).toEqual({ error: "Type a number." });
    expect(parseEdit("DATE", "2026-13", null)).toEqual({ error: "Type a date as YYYY-MM-DD." });
    expect(parseEdit("EMAILS", "new@example.com", { primaryEmail: "old@example.com", additionalEmails: ["x@y.z"] })).toEqual({
      value: { primaryEmail: "new@example.com", additionalEmails: ["x@y.z"] },
    });
    expect(parseEdit("TEXT", "  ", "old")).toEqual({ value: null });
  });
});
