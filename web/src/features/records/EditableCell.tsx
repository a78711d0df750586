// A table cell that edits in place. Its editing state is its own: opening an editor or typing in
// it draws this cell alone, not the grid's other rows.

import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { api, type FieldMeta, type KithRecord, type ObjectMeta } from "../../api/kith";
import { patchRows } from "../live/cache";
import { EDITABLE, FieldEditor, fieldKey } from "./editors";
import { messageFor } from "./RecordPage";

/** Types a cell edits. Relations are left out: a table's rows do not embed the related record,
 *  so the cell could not show the chosen one's name; rich text wants the record page's room. */
export const CELL_EDITABLE = new Set([...EDITABLE].filter((type) => type !== "RELATION" && type !== "RICH_TEXT"));

/** What the grid gives each cell: its role, where it is, whether it has the keyboard. */
export interface CellAttributes {
  role: string;
  "data-cell": string;
  tabIndex: number;
  onClick: () => void;
}

interface Props {
  workspace: string;
  object: ObjectMeta;
  field: FieldMeta;
  record: KithRecord;
  cell: CellAttributes;
  /** After Tab (or Shift+Tab) saved: the grid moves the keyboard to the next (previous) cell. */
  onTab: (back: boolean) => void;
  children: ReactNode;
}

export function EditableCell({ workspace, object, field, record, cell, onTab, children }: Props) {
  const [editing, setEditing] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const element = useRef<HTMLDivElement>(null);
  const refocus = useRef(false);
  const save = useSaveCell(workspace, object);
  useEffect(() => {
    if (!editing && refocus.current) {
      refocus.current = false;
      element.current?.focus();
    }
  }, [editing]);

  function open() {
    setProblem(null);
    setEditing(true);
  }
  function close(focusCell: boolean) {
    refocus.current = focusCell;
    setEditing(false);
  }
  function keyDown(event: KeyboardEvent<HTMLDivElement>) {
    // Keys inside the editor are the editor's; on the cell itself, Enter (or F2) opens it.
    if (event.target !== event.currentTarget) return;
    if (event.key === "Enter" || event.key === "F2") {
      event.preventDefault();
      event.stopPropagation();
      open();
    } else if (event.key === "Escape" && problem) {
      setProblem(null);
    }
  }
  function saved(next: unknown, back: boolean | null) {
    close(back === null);
    if (back !== null) onTab(back);
    void save(record, field, next).then(setProblem);
  }

  return (
    <div {...cell} ref={element} className={editing || problem ? "cell-open" : undefined} onKeyDown={keyDown} onDoubleClick={open}>
      {children}
      {editing && <CellOverlay workspace={workspace} object={object} field={field} record={record} onSave={saved} onCancel={close} />}
      {problem && (
        <small className="cell-problem problem" role="alert">
          {problem}
        </small>
      )}
    </div>
  );
}

interface OverlayProps {
  workspace: string;
  object: ObjectMeta;
  field: FieldMeta;
  record: KithRecord;
  /** `back` is null for Enter, else the direction of the Tab that saved. */
  onSave: (next: unknown, back: boolean | null) => void;
  onCancel: (focusCell: boolean) => void;
}

/** The controls Tab moves between inside an editor; its buttons (Save, + Add link) are left to
 *  the mouse, so that Tab from the last field saves and moves on, as in a spreadsheet. */
const FIELDS = "input, select, textarea";

/** The field's editor over its cell (as wide as it needs). Tab on its last control saves
 *  through the editor's own Enter, so that every editor's parsing and checks still apply. */
function CellOverlay({ workspace, object, field, record, onSave, onCancel }: OverlayProps) {
  const id = `cell-${record.id}-${field.id}`;
  const tabbing = useRef<boolean | null>(null);
  const done = useRef(false);
  const finish = (action: () => void) => {
    if (done.current) return;
    done.current = true;
    action();
  };

  function keyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (event.key === "Escape") {
      // For the editors that leave Escape to their container (switches, chips).
      event.preventDefault();
      finish(() => onCancel(true));
      return;
    }
    if (event.key !== "Tab") return;
    const controls = [...event.currentTarget.querySelectorAll<HTMLElement>(FIELDS)].filter((c) => !c.hasAttribute("disabled"));
    const at = controls.indexOf(event.target as HTMLElement);
    // Between an editor's own controls (an amount and its currency), Tab moves as usual.
    if (at >= 0 && (event.shiftKey ? at > 0 : at < controls.length - 1)) return;
    event.preventDefault();
    tabbing.current = event.shiftKey;
    const enter = new globalThis.KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true });
    const handled = !event.target.dispatchEvent(enter);
    const saved = done.current;
    tabbing.current = null;
    // An editor that does not save on Enter (chips, a switch) saved when it was used.
    if (!saved && !handled) finish(() => onSave(undefined, event.shiftKey));
  }

  return (
    <div
      className="cell-editor"
      onKeyDown={keyDown}
      onClick={(event) => event.stopPropagation()}
      onDoubleClick={(event) => event.stopPropagation()}
      onBlur={(event) => {
        // Focus gone elsewhere (a click on another cell) gives the edit up.
        const to = event.relatedTarget as Node | null;
        if (to && !event.currentTarget.contains(to)) finish(() => onCancel(false));
      }}
    >
      {/* Named as on the record page: the field's label points at the editor's first control. */}
      <label className="visually-hidden" htmlFor={id}>
        {field.label}
      </label>
      <FieldEditor
        id={id}
        field={field}
        record={record}
        workspace={workspace}
        objects={[object]}
        onSave={(next) => finish(() => onSave(next, tabbing.current))}
        onCancel={() => finish(() => onCancel(true))}
      />
    </div>
  );
}

/** Saves one cell optimistically: the tables show the new value at once; a refusal puts the
 *  old one back. Resolves to the message to show, or null when saved. */
function useSaveCell(workspace: string, object: ObjectMeta) {
  const queries = useQueryClient();
  return async (record: KithRecord, field: FieldMeta, next: unknown): Promise<string | null> => {
    const key = fieldKey(field);
    if (next === undefined || sameValue(record[key], next)) return null;
    const before = record[key];
    patchRows(queries, workspace, object.namePlural, record.id, { [key]: next });
    try {
      const saved = await api.updateRecord(workspace, object, record.id, { [key]: next });
      patchRows(queries, workspace, object.namePlural, record.id, saved);
      void queries.invalidateQueries({ queryKey: ["record", workspace, object.namePlural, record.id] });
      void queries.invalidateQueries({ queryKey: ["cards", workspace, object.namePlural] });
      void queries.invalidateQueries({ queryKey: ["groups", workspace, object.namePlural] });
      return null;
    } catch (caught) {
      patchRows(queries, workspace, object.namePlural, record.id, { [key]: before });
      return `Not saved. ${messageFor(caught, key)}`;
    }
  };
}

/** Whether an edit changed nothing (no request is sent for it). */
function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
