import { describe, expect, it } from "vitest";
import type { FieldMeta, ObjectMeta } from "../../api/kith";
import { boardField, columnFilter, columnId, columns, dropIndex, planMove, positionAt, positionBetween, sumField, valueOf } from "./board";

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

describe("a card's position in its column", () => {
  it("is the midpoint of its neighbours", () => {
    expect(positionBetween(1, 2)).toBe(1.5);
    expect(positionBetween(-3, 5)).toBe(1);
    expect(positionAt([{ position: 1 }, { position: 2 }, { position: 4 }], 2)).toBe(3);
  });

  it("is one beyond the neighbour at either end", () => {
    expect(positionAt([{ position: 1 }, { position: 2 }], 0)).toBe(0);
    expect(positionAt([{ position: 1 }, { position: 2 }], 2)).toBe(3);
    expect(positionBetween(undefined, -0.5)).toBe(-1.5);
  });

  it("is 0 in an empty column, and ignores neighbours that have none", () => {
    expect(positionAt([], 0)).toBe(0);
    expect(positionBetween(null, null)).toBe(0);
    expect(positionBetween(null, 5)).toBe(4);
  });

  it("lands before the card dropped on, after it past its middle, last on the column", () => {
    const ids = ["a", "b", "c"];
    expect(dropIndex(ids, "b", false)).toBe(1);
    expect(dropIndex(ids, "b", true)).toBe(2);
    expect(dropIndex(ids, "c", true)).toBe(3);
    expect(dropIndex(ids, null, false)).toBe(3);
    expect(dropIndex([], null, false)).toBe(0);
  });
});

describe("a card's move", () => {
  const card = (id: string, position: number, stage = "NEW") => ({ id, position, stage });
  const news = { value: "NEW", records: [card("a", 1), card("b", 2), card("c", 3)] };
  const won = { value: "WON", records: [card("x", 10, "WON")] };
  const ids = (records: { id: string }[]) => records.map((r) => r.id);

  it("within its column sends only the new position, and reorders the column", () => {
    const plan = planMove("stage", "c", news, news, "a", false);
    expect(plan?.change).toEqual({ position: 0 });
    expect(ids(plan?.to ?? [])).toEqual(["c", "a", "b"]);
    expect(plan?.from).toBe(plan?.to);
  });

  it("to another column sends the position and the new value together", () => {
    const plan = planMove("stage", "b", news, won, "x", true);
    expect(plan?.change).toEqual({ position: 11, stage: "WON" });
    expect(ids(plan?.from ?? [])).toEqual(["a", "c"]);
    expect(plan?.to.map((r) => [r.id, r.stage, r.position])).toEqual([["x", "WON", 10], ["b", "WON", 11]]);
    expect(planMove("stage", "b", news, { value: null, records: [] }, null, false)?.change).toEqual({ position: 0, stage: null });
  });

  it("is nothing when the card lands where it was", () => {
    expect(planMove("stage", "b", news, news, "a", true)).toBeNull();
    expect(planMove("stage", "b", news, news, "c", false)).toBeNull();
    expect(planMove("stage", "c", news, news, null, false)).toBeNull();
  });
});
