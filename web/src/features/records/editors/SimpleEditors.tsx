// One-line editors: text, numbers, dates and instants.

import { useState } from "react";
import { parseEdit } from "../values";
import { fromLocalInput, toLocalInput } from "./shapes";
import { saveOrCancel, type EditorProps } from "./types";
import { Problem } from "../../../ui/Problem";

export function TextEditor({ id, value, onSave, onCancel }: EditorProps) {
  const [text, setText] = useState(typeof value === "string" ? value : "");
  const save = () => onSave(text.trim() === "" ? null : text.trim());
  return (
    <input id={id} autoFocus value={text} onChange={(e) => setText(e.target.value)} onKeyDown={saveOrCancel(save, onCancel)} />
  );
}

/** NUMBER (whole) and NUMERIC (decimal): anything else is refused here, before the server. */
export function NumberEditor({ id, value, onSave, onCancel, whole }: EditorProps & { whole: boolean }) {
  const [text, setText] = useState(typeof value === "number" ? String(value) : "");
  const [problem, setProblem] = useState<string | null>(null);
  const save = () => {
    const parsed = parseEdit(whole ? "NUMBER" : "NUMERIC", text, value);
    if ("error" in parsed) setProblem(parsed.error);
    else onSave(parsed.value);
  };
  return (
    <>
      <input
        id={id}
        autoFocus
        inputMode={whole ? "numeric" : "decimal"}
        value={text}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? `${id}-problem` : undefined}
        onChange={(e) => {
          setText(e.target.value);
          setProblem(null);
        }}
        onKeyDown={saveOrCancel(save, onCancel)}
      />
      <Problem message={problem} inline id={`${id}-problem`} />
    </>
  );
}

/** A day: the browser's date input shows it in the reader's locale; the API keeps YYYY-MM-DD. */
export function DateEditor({ id, value, onSave, onCancel }: EditorProps) {
  const [day, setDay] = useState(typeof value === "string" ? value.slice(0, 10) : "");
  return (
    <input
      id={id}
      type="date"
      autoFocus
      value={day}
      onChange={(e) => setDay(e.target.value)}
      onKeyDown={saveOrCancel(() => onSave(day || null), onCancel)}
    />
  );
}

/** An instant, edited in the reader's time zone and stored in UTC. */
export function DateTimeEditor({ id, value, onSave, onCancel }: EditorProps) {
  const [local, setLocal] = useState(toLocalInput(value));
  return (
    <input
      id={id}
      type="datetime-local"
      autoFocus
      value={local}
      onChange={(e) => setLocal(e.target.value)}
      onKeyDown={saveOrCancel(() => onSave(fromLocalInput(local)), onCancel)}
    />
  );
}
