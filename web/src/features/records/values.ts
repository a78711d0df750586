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
