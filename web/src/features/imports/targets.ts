// What a column of an import can fill: each field of the object, or a part of a composite one,
// in the words the mapping screen shows; and what rows can be matched on.

import type { FieldMeta, ObjectMeta } from "../../api/kith";

export interface Target {
  /** The spec's `field`: `jobTitle`, `name.firstName`, `name` (a whole name), `company`. */
  value: string;
  label: string;
  /** For a relation: the object it points at. */
  relationTo?: string;
}

/** The parts a composite field's column can fill, after its whole-field choice if it has one. */
const PARTS: Record<string, [string, string][]> = {
  FULL_NAME: [
    ["", "whole name"],
    ["firstName", "first name"],
    ["lastName", "last name"],
  ],
  EMAILS: [
    ["primaryEmail", "email"],
    ["additionalEmails", "other emails"],
  ],
  PHONES: [
    ["primaryPhoneNumber", "number"],
    ["primaryPhoneCountryCode", "country code"],
    ["primaryPhoneCallingCode", "calling code"],
    ["additionalPhones", "other numbers"],
  ],
  LINKS: [
    ["primaryLinkUrl", "address"],
    ["primaryLinkLabel", "label"],
    ["secondaryLinks", "other links"],
  ],
  ADDRESS: [
    ["addressStreet1", "street"],
    ["addressStreet2", "street, line 2"],
    ["addressCity", "city"],
    ["addressState", "state"],
    ["addressPostcode", "postcode"],
    ["addressCountry", "country"],
    ["addressLat", "latitude"],
    ["addressLng", "longitude"],
  ],
  CURRENCY: [
    ["amount", "amount"],
    ["currencyCode", "currency code"],
    ["amountMicros", "amount in millionths"],
  ],
};

function active(object: ObjectMeta): FieldMeta[] {
  return object.fields.filter((f) => f.isActive !== false);
}

/** Every choice for a column, the record's id first. */
export function targetsOf(object: ObjectMeta): Target[] {
  const targets: Target[] = [{ value: "id", label: "Id" }];
  for (const field of active(object)) {
    const parts = PARTS[field.type];
    if (field.type === "RELATION") {
      if (field.relation && field.relation.target !== "workspaceMember") {
        targets.push({ value: field.name, label: field.label, relationTo: field.relation.target });
      }
    } else if (parts) {
      for (const [part, label] of parts) {
        targets.push({ value: part ? `${field.name}.${part}` : field.name, label: `${field.label}: ${label}` });
      }
    } else {
      targets.push({ value: field.name, label: field.label });
    }
  }
  return targets;
}

/** A suggestion for a composite field as a whole (`emails`) as its first part's choice. */
export function choiceFor(object: ObjectMeta, field: string | null): string {
  if (!field) return "";
  const targets = targetsOf(object);
  if (targets.some((t) => t.value === field)) return field;
  const first = targets.find((t) => t.value.startsWith(`${field}.`));
  return first?.value ?? "";
}

/** The fields rows can be matched on: the id, email and domain fields, unique fields. */
export function matchChoices(object: ObjectMeta): { value: string; label: string }[] {
  const fields = active(object).filter((f) => f.isUnique || f.type === "EMAILS" || f.type === "LINKS");
  return [{ value: "id", label: "Id" }, ...fields.map((f) => ({ value: f.name, label: f.label }))];
}

/** The fields a related record can be found by. */
export function lookupChoices(target: ObjectMeta): { value: string; label: string }[] {
  const fields = active(target).filter((f) => f.type !== "RELATION");
  return [{ value: "id", label: "Id" }, ...fields.map((f) => ({ value: f.name, label: f.label }))];
}

/** The key a column fills (`name.firstName` fills `name`), to find columns matched on. */
export function keyOf(value: string): string {
  return value.split(".")[0] ?? value;
}
