// The popover that makes or changes one condition: a field (type to search), an operator, and a
// value with an editor that fits the type. Esc or a click outside closes it.

import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent, type RefObject } from "react";
import type { FieldMeta } from "../../../api/kith";
import { filterTargets, isComplete, operatorOf, targetFor, targetOperators, type Condition, type Operator, type Target } from "./model";

interface Props {
  fields: FieldMeta[];
  /** The condition being changed; none when adding one. */
  initial?: Condition | undefined;
  title: string;
  onApply: (condition: Condition) => void;
  onClose: () => void;
}

export function ConditionEditor({ fields, initial, title, onApply, onClose }: Props) {
  const root = useRef<HTMLDivElement>(null);
  const [draft, setDraft] = useState<Condition | null>(initial ?? null);
  const target = draft ? targetFor(draft.field, fields) : undefined;
  useOutsideClick(root, onClose);

  function keyDown(event: KeyboardEvent) {
    if (event.key !== "Escape") return;
    event.stopPropagation();
    onClose();
  }

  function pick(picked: Target) {
    const operator = firstOperator(picked);
    setDraft({ field: picked.key, operator: operator.id, value: emptyValue(operator) });
  }

  return (
    <div ref={root} className="filter-popover" role="dialog" aria-label={title} onKeyDown={keyDown}>
      {!draft || !target ? (
        <FieldPicker fields={fields} onPick={pick} />
      ) : (
        <ConditionForm
          target={target}
          draft={draft}
          fields={fields}
          onDraft={setDraft}
          onChangeField={() => setDraft(null)}
          onApply={onApply}
          onCancel={onClose}
        />
      )}
    </div>
  );
}

function useOutsideClick(root: RefObject<HTMLElement | null>, onOutside: () => void) {
  const latest = useRef(onOutside);
  latest.current = onOutside;
  useEffect(() => {
    function down(event: MouseEvent) {
      if (root.current && !root.current.contains(event.target as Node)) latest.current();
    }
    document.addEventListener("mousedown", down);
    return () => document.removeEventListener("mousedown", down);
  }, [root]);
}

/** The operator a new condition starts with: contains for texts, as that is what people mean
 *  by filtering one; the first otherwise. */
function firstOperator(target: Target): Operator {
  const operators = targetOperators(target);
  const contains = operators.find((o) => o.id === "contains");
  return contains ?? (operators[0] as Operator);
}

function emptyValue(operator: Operator): Condition["value"] {
  if (operator.editor === "none") return null;
  return operator.editor === "options" ? [] : "";
}

function FieldPicker({ fields, onPick }: { fields: FieldMeta[]; onPick: (target: Target) => void }) {
  const [query, setQuery] = useState("");
  const list = useRef<HTMLUListElement>(null);
  const words = query.trim().toLowerCase();
  const matches = filterTargets(fields).filter((t) => t.label.toLowerCase().includes(words));

  function searchKey(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === "Enter" && matches[0]) {
      event.preventDefault();
      onPick(matches[0]);
    }
    if (event.key === "ArrowDown") {
      event.preventDefault();
      list.current?.querySelector("button")?.focus();
    }
  }

  /** Up and down move between the fields; up from the first goes back to the search. */
  function listKey(event: KeyboardEvent<HTMLUListElement>) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    event.preventDefault();
    const buttons = [...(list.current?.querySelectorAll("button") ?? [])];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const next = buttons[at + (event.key === "ArrowDown" ? 1 : -1)];
    if (next) next.focus();
    else if (event.key === "ArrowUp") list.current?.parentElement?.querySelector("input")?.focus();
  }

  return (
    <div className="filter-picker">
      <label className="field">
        <span>Field</span>
        <input
          autoFocus
          value={query}
          placeholder="Search fields…"
          onChange={(event) => setQuery(event.target.value)}
          onKeyDown={searchKey}
        />
      </label>
      {matches.length ? (
        <ul ref={list} className="filter-fields" aria-label="Fields" onKeyDown={listKey}>
          {matches.map((t) => (
            <li key={t.key}>
              <button type="button" onClick={() => onPick(t)}>
                {t.label}
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No field matches “{query}”.</p>
      )}
    </div>
  );
}

interface FormProps {
  target: Target;
  draft: Condition;
  fields: FieldMeta[];
  onDraft: (draft: Condition) => void;
  onChangeField: () => void;
  onApply: (condition: Condition) => void;
  onCancel: () => void;
}

function ConditionForm({ target, draft, fields, onDraft, onChangeField, onApply, onCancel }: FormProps) {
  const operators = targetOperators(target);
  const operator = operatorOf(target, draft.operator) ?? firstOperator(target);
  const ready = trimmed(draft);
  const complete = isComplete(ready, fields);

  function chooseOperator(id: string) {
    const next = operators.find((o) => o.id === id) ?? operator;
    // A value typed for one operator stays for another of the same editor (= → ≥).
    const value = next.editor === operator.editor ? draft.value : emptyValue(next);
    onDraft({ ...draft, operator: next.id, value });
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (complete) onApply(ready);
  }

  return (
    <form className="filter-form" onSubmit={submit}>
      <button type="button" className="filter-form-field" onClick={onChangeField} aria-label={`Field ${target.label}, change`}>
        {target.label} <span aria-hidden="true">▾</span>
      </button>
      <label className="field">
        <span>Operator</span>
        <select
          value={operator.id}
          onChange={(event) => chooseOperator(event.target.value)}
          autoFocus={operator.editor === "none"}
        >
          {operators.map((o) => (
            <option key={o.id} value={o.id}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      <ValueInput target={target} operator={operator} value={draft.value} onChange={(value) => onDraft({ ...draft, value })} />
      <div className="filter-form-actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={!complete}>
          Apply
        </button>
      </div>
    </form>
  );
}

function trimmed(condition: Condition): Condition {
  return typeof condition.value === "string" ? { ...condition, value: condition.value.trim() } : condition;
}

interface ValueProps {
  target: Target;
  operator: Operator;
  value: Condition["value"];
  onChange: (value: Condition["value"]) => void;
}

function ValueInput({ target, operator, value, onChange }: ValueProps) {
  const text = typeof value === "string" ? value : "";
  const input = (type: string, extra: Record<string, string> = {}) => (
    <label className="field">
      <span>{target.kind === "currency" ? "Amount" : "Value"}</span>
      <input autoFocus type={type} value={text} onChange={(event) => onChange(event.target.value)} {...extra} />
    </label>
  );
  switch (operator.editor) {
    case "none":
      return null;
    case "text":
      return input("text");
    case "integer":
      return input("number", { step: "1", inputMode: "numeric" });
    case "decimal":
      return input("number", { step: "any", inputMode: "decimal" });
    case "date":
      return input("date");
    case "id":
      return input("text", { placeholder: "Record id", spellCheck: "false" });
    case "rating":
      return <RatingInput value={text} onChange={onChange} />;
    case "options":
      return <OptionsInput target={target} value={Array.isArray(value) ? value : []} onChange={onChange} />;
  }
}

function RatingInput({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  return (
    <label className="field">
      <span>Value</span>
      <select autoFocus value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">Choose…</option>
        {[1, 2, 3, 4, 5].map((n) => (
          <option key={n} value={`RATING_${n}`}>
            {"★".repeat(n)} {n}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The options as coloured chips, pressed when chosen. */
function OptionsInput({ target, value, onChange }: { target: Target; value: string[]; onChange: (value: string[]) => void }) {
  const options = target.field.options ?? [];
  const toggle = (option: string) =>
    onChange(value.includes(option) ? value.filter((v) => v !== option) : [...value, option]);
  return (
    <fieldset className="filter-options">
      <legend>Values</legend>
      {options.map((option, i) => (
        <button
          key={option.value}
          type="button"
          autoFocus={i === 0}
          className={`chip chip-${option.color}`}
          aria-pressed={value.includes(option.value)}
          onClick={() => toggle(option.value)}
        >
          {option.label}
        </button>
      ))}
      {!options.length && <p className="muted">This field has no options.</p>}
    </fieldset>
  );
}
