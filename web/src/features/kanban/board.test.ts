import { describe, expect, it } from "vitest";
import type { FieldMeta, ObjectMeta } from "../../api/kith";
import { boardField, columnFilter, columnId, columns, sumField, valueOf } from "./board";

const stage = {
  id: "s",
  name: "stage",
  label: "Stage",
  type: "SELECT",
  options: [
    { value: "NEW", label: "New", color: "blue" },
    { value: "WON", label: "Won", color: "green" },
  ],
} as FieldMeta;
const object = {
  fields: [
    { id: "t", name: "type", label: "Type", type: "SELECT", options: [] },
    stage,
    { id: "a", name: "amount", label: "Amount", type: "CURRENCY" },
  ],
} as unknown as ObjectMeta;

describe("a board", () => {
  it("groups by stage when there is one, and sums the amount", () => {
    expect(boardField(object)?.name).toBe("stage");
    expect(sumField(object)?.name).toBe("amount");
  });

  it("has a column per option in order, after the empty one", () => {
    expect(columns(stage).map((c) => c.value)).toEqual([null, "NEW", "WON"]);
    expect(columns(stage)[0]?.label).toBe("No stage");
  });

  it("asks for each column's records by value, or for those with none", () => {
    expect(columnFilter(stage, "NEW")).toBe('stage[eq]:"NEW"');
    expect(columnFilter(stage, null)).toBe("stage[is]:NULL");
    expect(valueOf(columnId(null))).toBeNull();
    expect(valueOf(columnId("WON"))).toBe("WON");
  });
});
