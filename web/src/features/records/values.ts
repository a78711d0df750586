// Building a record's values from what a person typed.

import type { ObjectMeta } from "../../api/kith";

/** The value of an object's label field (what names a record) for the text typed. */
export function labelValue(type: string, text: string): unknown {
  const trimmed = text.trim();
  if (type === "FULL_NAME") {
    const space = trimmed.indexOf(" ");
    return space < 0
      ? { firstName: trimmed, lastName: "" }
      : { firstName: trimmed.slice(0, space), lastName: trimmed.slice(space + 1).trim() };
  }
  return trimmed;
}

/** The body creating a record named `text`. */
export function newRecordValues(object: ObjectMeta, text: string): Record<string, unknown> {
  const label = object.fields.find((field) => field.name === object.labelField);
  return { [object.labelField]: labelValue(label?.type ?? "TEXT", text) };
}

/** Field types the record page edits as one line of text. */
export const EDITED_AS_TEXT = new Set(["TEXT", "NUMBER", "NUMERIC", "DATE", "FULL_NAME", "EMAILS", "LINKS"]);

/** What an editor starts with for a stored value. */
export function editText(type: string, value: unknown): string {
  if (value === null || value === undefined) return "";
  const composite = typeof value === "object" ? (value as Record<string, unknown>) : {};
  switch (type) {
    case "FULL_NAME":
      return [composite.firstName, composite.lastName].filter(Boolean).join(" ");
    case "EMAILS":
      return String(composite.primaryEmail ?? "");
    case "LINKS":
      return String(composite.primaryLinkUrl ?? "");
    default:
      return typeof value === "string" || typeof value === "number" ? String(value) : "";
  }
}

/** The value to send for what was typed, keeping the parts of a composite not edited; or the
 *  reason it is not one. */
export function parseEdit(type: string, text: string, previous: unknown): { value: unknown } | { error: string } {
  const trimmed = text.trim();
  const kept = typeof previous === "object" && previous !== null ? (previous as Record<string, unknown>) : {};
  switch (type) {
    case "NUMBER":
    case "NUMERIC": {
      if (!trimmed) return { value: null };
      const number = Number(trimmed.replace(/[\s,]/g, ""));
      if (!Number.isFinite(number)) return { error: "Type a number." };
      if (type === "NUMBER" && !Number.isInteger(number)) return { error: "Type a whole number." };
      return { value: number };
    }
    case "DATE":
      if (!trimmed) return { value: null };
      return /^\d{4}-\d{2}-\d{2}$/.test(trimmed) ? { value: trimmed } : { error: "Type a date as YYYY-MM-DD." };
    case "FULL_NAME":
      return { value: labelValue("FULL_NAME", trimmed) };
    case "EMAILS":
      return { value: { additionalEmails: [], ...kept, primaryEmail: trimmed } };
    case "LINKS":
      return { value: { primaryLinkLabel: "", secondaryLinks: [], ...kept, primaryLinkUrl: trimmed } };
    default:
      return { value: trimmed === "" ? null : trimmed };
  }
}
