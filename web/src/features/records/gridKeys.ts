// Moving through a table's cells with the keyboard, as in a spreadsheet.

export interface CellPosition {
  row: number;
  column: number;
}

/** Rows a Page Up / Page Down moves by. */
export const PAGE_ROWS = 10;

/** Where `key` moves the active cell of a table of `rows` × `columns`; null for other keys. */
export function moveCell(at: CellPosition, key: string, ctrl: boolean, rows: number, columns: number): CellPosition | null {
  if (rows === 0 || columns === 0) return null;
  const clamp = (row: number, column: number) => ({
    row: Math.max(0, Math.min(rows - 1, row)),
    column: Math.max(0, Math.min(columns - 1, column)),
  });
  switch (key) {
    case "ArrowUp":
      return clamp(at.row - 1, at.column);
    case "ArrowDown":
      return clamp(at.row + 1, at.column);
    case "ArrowLeft":
      return clamp(at.row, at.column - 1);
    case "ArrowRight":
      return clamp(at.row, at.column + 1);
    case "PageUp":
      return clamp(at.row - PAGE_ROWS, at.column);
    case "PageDown":
      return clamp(at.row + PAGE_ROWS, at.column);
    case "Home":
      return ctrl ? clamp(0, 0) : clamp(at.row, 0);
    case "End":
      return ctrl ? clamp(rows - 1, columns - 1) : clamp(at.row, columns - 1);
    default:
      return null;
  }
}
