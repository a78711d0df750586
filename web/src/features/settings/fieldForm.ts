// What the custom-field form sends: names derived from labels the way the API wants them.

import type { FieldInput, SelectOption } from "../../api/kith";

/** The colours select chips are drawn in (see the .chip-* classes in styles.css). */
export const PALETTE = ["red", "orange", "yellow", "green", "turquoise", "sky", "blue", "purple", "pink", "gray", "brown"] as const;

export const FIELD_TYPES: { type: string; label: string }[] = [
  { type: "TEXT", label: "Text" },
  { type: "NUMBER", label: "Number (whole)" },
  { type: "NUMERIC", label: "Number (decimal)" },
  { type: "BOOLEAN", label: "Yes / no" },
  { type: "DATE", label: "Date" },
  { type: "DATE_TIME", label: "Date and time" },
  { type: "CURRENCY", label: "Currency" },
  { type: "FULL_NAME", label: "Full name" },
  { type: "EMAILS", label: "Emails" },
  { type: "PHONES", label: "Phones" },
  { type: "LINKS", label: "Links" },
  { type: "ADDRESS", label: "Address" },
  { type: "SELECT", label: "Select" },
  { type: "MULTI_SELECT", label: "Multi-select" },
  { type: "RATING", label: "Rating" },
  { type: "RELATION", label: "Relation" },
  { type: "RICH_TEXT", label: "Rich text" },
  { type: "ARRAY", label: "List of texts" },
  { type: "SENSITIVE_TEXT", label: "Sensitive text" },
];

export const hasOptions = (type: string) => type === "SELECT" || type === "MULTI_SELECT";

/** Words of a label, without accents or punctuation: "Référé par…" → ["Refere", "par"]. */
function words(label: string): string[] {
  return label
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
}

/** An option's value: "Gold tier" → "GOLD_TIER". */
export function screamingSnake(label: string): string {
  return words(label).join("_").toUpperCase();
}

/** A field's or object's API name: "Referral code" → "referralCode" (never starting with a digit). */
export function camelName(label: string): string {
  const [first = "", ...rest] = words(label);
  const name = first.toLowerCase() + rest.map((w) => w.slice(0, 1).toUpperCase() + w.slice(1).toLowerCase()).join("");
  return /^[0-9]/.test(name) ? `field${name}` : name;
}

export interface OptionDraft {
  label: string;
  color: string;
}

/** Each draft's value, in order ("" for an empty label); labels giving the same value get `_2`, `_3`… */
export function optionValues(drafts: OptionDraft[]): string[] {
  const seen = new Map<string, number>();
  return drafts.map((draft) => {
    if (!draft.label.trim()) return "";
    const base = screamingSnake(draft.label) || "OPTION";
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return count === 1 ? base : `${base}_${count}`;
  });
}

/** The options as the API takes them, leaving out rows left empty. */
export function optionsFrom(drafts: OptionDraft[]): SelectOption[] {
  const values = optionValues(drafts);
  return drafts.flatMap((draft, index) =>
    values[index] ? [{ label: draft.label.trim(), value: values[index], color: draft.color }] : [],
  );
}

export interface FieldDraft {
  label: string;
  name: string;
  type: string;
  options: OptionDraft[];
  relationTarget: string;
}

/** The body of `POST /rest/metadata/fields`, with only what the type uses. */
export function fieldBody(objectMetadataId: string, draft: FieldDraft): FieldInput {
  const body: FieldInput = {
    objectMetadataId,
    name: draft.name.trim() || camelName(draft.label),
    label: draft.label.trim(),
    type: draft.type,
  };
  if (hasOptions(draft.type)) body.options = optionsFrom(draft.options);
  if (draft.type === "RELATION") body.relation = { target: draft.relationTarget, onDelete: "SET_NULL" };
  return body;
}

/** The colour a new option starts with: the next of the palette. */
export function nextColor(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}
