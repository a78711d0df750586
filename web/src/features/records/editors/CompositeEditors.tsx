// Fields of several parts: a currency amount with its code, a full name, an address, and the
// lists of emails, phones and links (primary first).

import { useState } from "react";
import { EditorActions } from "./ChoiceEditors";
import {
  ADDRESS_PARTS,
  CURRENCIES,
  MAIN_PART,
  amountToMicros,
  asComposite,
  listItems,
  listValue,
  makePrimary,
  microsForBody,
  microsToAmount,
  type ListItem,
  type ListType,
} from "./shapes";
import { saveOrCancel, type EditorProps } from "./types";
import { Problem } from "../../../ui/Problem";

const str = (value: unknown) => (typeof value === "string" ? value : "");

/** CURRENCY: the amount in units as typed, stored as exact micros; the code from a list. */
export function CurrencyEditor({ id, label, value, onSave, onCancel }: EditorProps) {
  const stored = asComposite(value);
  const [amount, setAmount] = useState(microsToAmount(stored.amountMicros));
  const [code, setCode] = useState(str(stored.currencyCode) || "USD");
  const [problem, setProblem] = useState<string | null>(null);
  const codes = CURRENCIES.includes(code) ? CURRENCIES : [code, ...CURRENCIES];
  const save = () => {
    const micros = amountToMicros(amount);
    if (micros === undefined) return setProblem("Type an amount, like 1250.50 (at most 6 decimals).");
    onSave(micros === null ? { amountMicros: null, currencyCode: code } : { amountMicros: microsForBody(micros), currencyCode: code });
  };
  return (
    <div className="composite-editor" onKeyDown={saveOrCancel(save, onCancel)}>
      <div className="currency-inputs">
        <input
          id={id}
          autoFocus
          inputMode="decimal"
          aria-label={`${label} amount`}
          value={amount}
          aria-invalid={problem ? true : undefined}
          onChange={(e) => {
            setAmount(e.target.value);
            setProblem(null);
          }}
        />
        <select aria-label={`${label} currency`} value={code} onChange={(e) => setCode(e.target.value)}>
          {codes.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
      </div>
      <Problem message={problem} inline />
      <EditorActions save={save} cancel={onCancel} />
    </div>
  );
}

export function FullNameEditor({ id, value, onSave, onCancel }: EditorProps) {
  const stored = asComposite(value);
  const [first, setFirst] = useState(str(stored.firstName));
  const [last, setLast] = useState(str(stored.lastName));
  const save = () => onSave({ firstName: first.trim(), lastName: last.trim() });
  return (
    <div className="composite-editor" onKeyDown={saveOrCancel(save, onCancel)}>
      <input id={id} autoFocus aria-label="First name" placeholder="First name" value={first} onChange={(e) => setFirst(e.target.value)} />
      <input aria-label="Last name" placeholder="Last name" value={last} onChange={(e) => setLast(e.target.value)} />
      <EditorActions save={save} cancel={onCancel} />
    </div>
  );
}

export function AddressEditor({ id, value, onSave, onCancel }: EditorProps) {
  const stored = asComposite(value);
  const [parts, setParts] = useState<Record<string, string>>(
    Object.fromEntries(ADDRESS_PARTS.map(([key]) => [key, str(stored[key])])),
  );
  const save = () => onSave(Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v.trim()])));
  return (
    <div className="composite-editor" onKeyDown={saveOrCancel(save, onCancel)}>
      {ADDRESS_PARTS.map(([key, partLabel], i) => (
        <input
          key={key}
          id={i === 0 ? id : undefined}
          autoFocus={i === 0}
          aria-label={partLabel}
          placeholder={partLabel}
          value={parts[key] ?? ""}
          onChange={(e) => setParts({ ...parts, [key]: e.target.value })}
        />
      ))}
      <EditorActions save={save} cancel={onCancel} />
    </div>
  );
}

const NOUN: Record<ListType, string> = { EMAILS: "email", PHONES: "phone", LINKS: "link" };

/** EMAILS, PHONES, LINKS: a list with the primary first; add, remove, make primary. */
export function ListEditor({ id, value, onSave, onCancel, type }: EditorProps & { type: ListType }) {
  const [items, setItems] = useState<ListItem[]>(() => {
    const stored = listItems(type, value);
    return stored.length ? stored : [{ [MAIN_PART[type]]: "" }];
  });
  const noun = NOUN[type];
  const change = (index: number, part: string, text: string) =>
    setItems(items.map((item, i) => (i === index ? { ...item, [part]: text } : item)));
  const save = () => onSave(listValue(type, items));
  return (
    <div className="composite-editor" onKeyDown={saveOrCancel(save, onCancel)}>
      <ul className="list-editor">
        {items.map((item, i) => {
          const which = i === 0 ? `Primary ${noun}` : `${capitalise(noun)} ${i + 1}`;
          return (
            <li key={i}>
              {type === "PHONES" && (
                <input
                  className="calling-code"
                  aria-label={`${which} calling code`}
                  placeholder="+1"
                  value={item.callingCode ?? ""}
                  onChange={(e) => change(i, "callingCode", e.target.value)}
                />
              )}
              <input
                id={i === 0 ? id : undefined}
                autoFocus={i === 0}
                aria-label={which}
                type={type === "EMAILS" ? "email" : type === "LINKS" ? "url" : "tel"}
                value={item[MAIN_PART[type]] ?? ""}
                onChange={(e) => change(i, MAIN_PART[type], e.target.value)}
              />
              {type === "LINKS" && (
                <input aria-label={`${which} label`} placeholder="Label" value={item.label ?? ""} onChange={(e) => change(i, "label", e.target.value)} />
              )}
              {i > 0 && (
                <button type="button" onClick={() => setItems(makePrimary(items, i))}>
                  Make primary<span className="visually-hidden"> ({which})</span>
                </button>
              )}
              <button type="button" aria-label={`Remove ${which}`} onClick={() => setItems(items.filter((_, j) => j !== i))}>
                ×
              </button>
            </li>
          );
        })}
      </ul>
      <button type="button" className="add-item" onClick={() => setItems([...items, { [MAIN_PART[type]]: "" }])}>
        + Add {noun}
      </button>
      <EditorActions save={save} cancel={onCancel} />
    </div>
  );
}

const capitalise = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
