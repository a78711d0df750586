import { describe, expect, it } from "vitest";
import { PAGE_ROWS, moveCell } from "./gridKeys";

describe("moving through cells", () => {
  const at = { row: 5, column: 2 };
  it("moves one cell with the arrows, staying inside the table", () => {
    expect(moveCell(at, "ArrowUp", false, 20, 4)).toEqual({ row: 4, column: 2 });
    expect(moveCell(at, "ArrowRight", false, 20, 4)).toEqual({ row: 5, column: 3 });
    expect(moveCell({ row: 0, column: 0 }, "ArrowUp", false, 20, 4)).toEqual({ row: 0, column: 0 });
    expect(moveCell({ row: 19, column: 3 }, "ArrowRight", false, 20, 4)).toEqual({ row: 19, column: 3 });
  });
  it("jumps by a page and to the ends", () => {
    expect(moveCell(at, "PageDown", false, 100, 4)).toEqual({ row: 5 + PAGE_ROWS, column: 2 });
    expect(moveCell(at, "PageUp", false, 100, 4)).toEqual({ row: 0, column: 2 });
    expect(moveCell(at, "Home", false, 100, 4)).toEqual({ row: 5, column: 0 });
    expect(moveCell(at, "End", true, 100, 4)).toEqual({ row: 99, column: 3 });
  });
  it("ignores other keys and empty tables", () => {
    expect(moveCell(at, "a", false, 20, 4)).toBeNull();
    expect(moveCell(at, "ArrowDown", false, 0, 4)).toBeNull();
  });
});
