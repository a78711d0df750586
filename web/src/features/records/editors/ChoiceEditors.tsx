// Choosing among options: a switch, select and multi-select chips in their colours, stars.

import { useState, type KeyboardEvent } from "react";
import type { SelectOption } from "../../../api/kith";
import { saveOrCancel, type EditorProps } from "./types";

/** Arrow keys move focus among a group's buttons (with wrap-around); Home and End jump. */
function moveAmongButtons(event: KeyboardEvent<HTMLElement>) {
  const keys = ["ArrowRight", "ArrowDown", "ArrowLeft", "ArrowUp", "Home", "End"];
  if (!keys.includes(event.key)) return;
  const buttons = [...event.currentTarget.querySelectorAll<HTMLButtonElement>("button")];
  const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
  const step = event.key === "ArrowRight" || event.key === "ArrowDown" ? 1 : -1;
  const next = event.key === "Home" ? 0 : event.key === "End" ? buttons.length - 1 : (at + step + buttons.length) % buttons.length;
  event.preventDefault();
  buttons[next]?.focus();
}

/** BOOLEAN: a switch, saved as soon as it flips. */
export function BooleanSwitch({ id, label, value, onSave, disabled }: Omit<EditorProps, "onCancel"> & { disabled?: boolean }) {
  const on = value === true;
  return (
    <button
      id={id}
      type="button"
      role="switch"
      aria-checked={on}
      aria-label={label}
      className="switch"
      disabled={disabled}
      onClick={() => onSave(!on)}
    >
      <span aria-hidden="true">{on ? "Yes" : "No"}</span>
    </button>
  );
}

/** SELECT: one chip per option; Enter, Space or a click picks it and saves. */
export function SelectEditor({ id, label, value, onSave, onCancel, options }: EditorProps & { options: SelectOption[] }) {
  const chosen = typeof value === "string" ? value : null;
  const pick = (next: string | null) => (next === chosen ? onCancel() : onSave(next));
  return (
    <div
      role="radiogroup"
      aria-label={label}
      className="chip-picker"
      onKeyDown={(event) => {
        if (event.key === "Escape") onCancel();
        moveAmongButtons(event);
      }}
    >
      {options.map((option, i) => (
        <button
          key={option.value}
          id={i === 0 ? id : undefined}
          type="button"
          role="radio"
          aria-checked={option.value === chosen}
          className={`chip chip-${option.color}`}
          autoFocus={option.value === chosen || (chosen === null && i === 0)}
          onClick={() => pick(option.value)}
        >
          {option.label}
        </button>
      ))}
      <button type="button" role="radio" aria-checked={chosen === null} className="chip" onClick={() => pick(null)}>
        None
      </button>
    </div>
  );
}

/** MULTI_SELECT: Space or a click toggles a chip; Enter saves the chosen ones, Escape cancels. */
export function MultiSelectEditor({ id, label, value, onSave, onCancel, options }: EditorProps & { options: SelectOption[] }) {
  const [chosen, setChosen] = useState<string[]>(Array.isArray(value) ? value.map(String) : []);
  const toggle = (option: string) =>
    setChosen((was) => (was.includes(option) ? was.filter((v) => v !== option) : [...was, option]));
  // Saved in the options' order, whatever order they were clicked in.
  const save = () => onSave(options.map((o) => o.value).filter((v) => chosen.includes(v)));
  return (
    <div className="chip-editor">
      <div
        role="group"
        aria-label={label}
        className="chip-picker"
        onKeyDown={(event) => {
          saveOrCancel(save, onCancel)(event);
          moveAmongButtons(event);
        }}
      >
        {options.map((option, i) => (
          <button
            key={option.value}
            id={i === 0 ? id : undefined}
            type="button"
            aria-pressed={chosen.includes(option.value)}
            className={`chip chip-${option.color}`}
            autoFocus={i === 0}
            onClick={() => toggle(option.value)}
          >
            {option.label}
          </button>
        ))}
      </div>
      <EditorActions save={save} cancel={onCancel} />
    </div>
  );
}

/** RATING: five stars; choosing the current one clears it. */
export function RatingEditor({ id, label, value, onSave, disabled }: Omit<EditorProps, "onCancel"> & { disabled?: boolean }) {
  const stars = typeof value === "string" ? Number(value.replace("RATING_", "")) || 0 : 0;
  return (
    <div role="radiogroup" aria-label={label} className="stars" onKeyDown={moveAmongButtons}>
      {[1, 2, 3, 4, 5].map((n) => (
        <button
          key={n}
          id={n === 1 ? id : undefined}
          type="button"
          role="radio"
          aria-checked={n === stars}
          aria-label={`${n} star${n > 1 ? "s" : ""}`}
          disabled={disabled}
          className={n <= stars ? "star on" : "star"}
          onClick={() => onSave(n === stars ? null : `RATING_${n}`)}
        >
          {n <= stars ? "★" : "☆"}
        </button>
      ))}
    </div>
  );
}

/** Save and Cancel buttons for editors with more than one control. */
export function EditorActions({ save, cancel }: { save: () => void; cancel: () => void }) {
  return (
    <div className="editor-actions">
      <button type="button" className="primary" onClick={save}>
        Save
      </button>
      <button type="button" onClick={cancel}>
        Cancel
      </button>
    </div>
  );
}
