// A table cell that edits in place. Its editing state is its own: opening an editor or typing in
// it draws this cell alone, not the grid's other rows.

import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { api, type FieldMeta, type KithRecord, type ObjectMeta } from "../../api/kith";
import { patchRows } from "../live/cache";
import { EDITABLE, FieldEditor, fieldKey } from "./editors";
import { messageFor } from "./RecordPage";
import { labelValue } from "./values";

/** Types a cell edits: all the record page does. A relation's picker and rich text's Markdown
 *  open over the cell like the other editors, rich text's wider. */
export const CELL_EDITABLE = EDITABLE;

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
  /** The workspace's objects, where a relation's picker finds its target. */
  objects: ObjectMeta[];
  field: FieldMeta;
  record: KithRecord;
  cell: CellAttributes;
  /** After Tab (or Shift+Tab) saved: the grid moves the keyboard to the next (previous) cell. */
  onTab: (back: boolean) => void;
  children: ReactNode;
}

export function EditableCell({ workspace, object, objects, field, record, cell, onTab, children }: Props) {
  const [editing, setEditing] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const element = useRef<HTMLDivElement>(null);
  const refocus = useRef(false);
  const save = useSaveCell(workspace, object, objects);
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
  function saved(next: unknown, back: boolean | null, label?: string) {
    close(back === null);
    if (back !== null) onTab(back);
    void save(record, field, next, label).then(setProblem);
  }

  return (
    <div {...cell} ref={element} className={editing || problem ? "cell-open" : undefined} onKeyDown={keyDown} onDoubleClick={open}>
      {children}
      {editing && <CellOverlay workspace={workspace} objects={objects} field={field} record={record} onSave={saved} onCancel={close} />}
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
  objects: ObjectMeta[];
  field: FieldMeta;
  record: KithRecord;
  /** `back` is null for Enter, else the direction of the Tab that saved; `label` names a
   *  relation's chosen record. */
  onSave: (next: unknown, back: boolean | null, label?: string) => void;
  onCancel: (focusCell: boolean) => void;
}

/** The controls Tab moves between inside an editor; its buttons (Save, + Add link) are left to
 *  the mouse, so that Tab from the last field saves and moves on, as in a spreadsheet. */
const FIELDS = "input, select, textarea";

/** The field's editor over its cell (as wide as it needs). Tab on its last control saves
 *  through the editor's own Enter, so that every editor's parsing and checks still apply. */
function CellOverlay({ workspace, objects, field, record, onSave, onCancel }: OverlayProps) {
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
    // In Markdown, Enter is a new line and Ctrl+Enter saves.
    const inText = event.target instanceof HTMLTextAreaElement;
    const enter = new globalThis.KeyboardEvent("keydown", { key: "Enter", ctrlKey: inText, bubbles: true, cancelable: true });
    const handled = !event.target.dispatchEvent(enter);
    const saved = done.current;
    tabbing.current = null;
    // An editor that does not save on Enter (chips, a switch) saved when it was used.
    if (!saved && !handled) finish(() => onSave(undefined, event.shiftKey));
  }

  return (
    <div
      className={field.type === "RICH_TEXT" ? "cell-editor cell-editor-wide" : "cell-editor"}
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
        objects={objects}
        onSave={(next, label) => finish(() => onSave(next, tabbing.current, label))}
        onCancel={() => finish(() => onCancel(true))}
      />
    </div>
  );
}

/** Saves one cell optimistically: the tables show the new value at once; a refusal puts the
 *  old one back. Resolves to the message to show, or null when saved. */
function useSaveCell(workspace: string, object: ObjectMeta, objects: ObjectMeta[]) {
  const queries = useQueryClient();
  return async (record: KithRecord, field: FieldMeta, next: unknown, label?: string): Promise<string | null> => {
    const key = fieldKey(field);
    if (next === undefined || sameValue(record[key], next)) return null;
    // A relation's cell shows the embedded record (`company`) beside its id (`companyId`): both
    // change together, and both go back on a refusal.
    const shown = field.type === "RELATION" ? { [key]: next, [field.name]: embedded(field, next, label, objects) } : { [key]: next };
    const before = Object.fromEntries(Object.keys(shown).map((k) => [k, record[k] ?? null]));
    patchRows(queries, workspace, object.namePlural, record.id, shown);
    try {
      const saved = await api.updateRecord(workspace, object, record.id, { [key]: next });
      // The answer embeds no relation (it is not `depth=1`): the name shown stays the picker's.
      const kept = field.type === "RELATION" ? { [field.name]: shown[field.name] } : {};
      patchRows(queries, workspace, object.namePlural, record.id, { ...saved, ...kept });
      void queries.invalidateQueries({ queryKey: ["record", workspace, object.namePlural, record.id] });
      void queries.invalidateQueries({ queryKey: ["cards", workspace, object.namePlural] });
      void queries.invalidateQueries({ queryKey: ["groups", workspace, object.namePlural] });
      return null;
    } catch (caught) {
      patchRows(queries, workspace, object.namePlural, record.id, before);
      return `Not saved. ${messageFor(caught, key)}`;
    }
  };
}

/** The related record as `depth=1` embeds it, from what the picker knows: its id and label
 *  (written into the target's label field, a person's name split as the server holds it). */
export function embedded(field: FieldMeta, id: unknown, label: string | undefined, objects: ObjectMeta[]): KithRecord | null {
  if (typeof id !== "string") return null;
  if (field.relation?.target === "workspaceMember") return { id, name: label ?? "" };
  const target = objects.find((o) => o.nameSingular === field.relation?.target);
  const labelField = target?.fields.find((f) => f.name === target.labelField);
  if (!labelField || label === undefined) return { id };
  return { id, [labelField.name]: labelValue(labelField.type, label) };
}

/** Whether an edit changed nothing (no request is sent for it). */
function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
