// Converting between the API's shapes of composite fields and what the editors show.

import { microsToUnits, unitsToMicros } from "../filters/model";

type Composite = Record<string, unknown>;

export function asComposite(value: unknown): Composite {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Composite) : {};
}

const text = (value: unknown) => (typeof value === "string" ? value : "");
const pad = (n: number) => String(n).padStart(2, "0");

/** A stored instant (UTC) as a `datetime-local` input's value, in the reader's time zone. */
export function toLocalInput(iso: unknown): string {
  if (typeof iso !== "string" || !iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A `datetime-local` value (the reader's time zone) as the instant to store, in UTC. */
export function fromLocalInput(local: string): string | null {
  if (!local) return null;
  const d = new Date(local); // without an offset, JavaScript reads it as local time
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** The end of a day in the reader's time zone: a task due "on the 3rd" is late from the 4th. */
export function endOfLocalDay(day: string): string | null {
  return day ? fromLocalInput(`${day}T23:59:59.999`) : null;
}

/** The local day of a stored instant, for a date input. */
export function localDay(iso: unknown): string {
  return toLocalInput(iso).slice(0, 10);
}

/** What a person typed as an amount, in micros as digits: exact however large (no floats). */
export function amountToMicros(typed: string): string | null | undefined {
  const cleaned = typed.replace(/[\s,_]/g, "");
  if (!cleaned) return null;
  return unitsToMicros(cleaned);
}

/** Micros to send: a JSON number while it is exact, else the digits as text (the server takes both). */
export function microsForBody(micros: string): number | string {
  const n = Number(micros);
  return Number.isSafeInteger(n) ? n : micros;
}

/** The amount stored, in units, for the editor. */
export function microsToAmount(micros: unknown): string {
  if (typeof micros === "number" && Number.isSafeInteger(micros)) return microsToUnits(String(micros)) ?? "";
  if (typeof micros === "string") return microsToUnits(micros) ?? "";
  return "";
}

/** An item of a list field: an email, a phone or a link, with its parts. */
export type ListItem = Record<string, string>;
export type ListType = "EMAILS" | "PHONES" | "LINKS";

/** The list, primary first, of an EMAILS, PHONES or LINKS value. */
export function listItems(type: ListType, value: unknown): ListItem[] {
  const v = asComposite(value);
  const items: ListItem[] = [];
  if (type === "EMAILS") {
    if (text(v.primaryEmail)) items.push({ email: text(v.primaryEmail) });
    for (const e of Array.isArray(v.additionalEmails) ? v.additionalEmails : []) items.push({ email: text(e) });
  } else if (type === "PHONES") {
    if (text(v.primaryPhoneNumber)) {
      items.push({
        number: text(v.primaryPhoneNumber),
        callingCode: text(v.primaryPhoneCallingCode),
        countryCode: text(v.primaryPhoneCountryCode),
      });
    }
    for (const p of Array.isArray(v.additionalPhones) ? v.additionalPhones : []) {
      const phone = asComposite(p);
      items.push({ number: text(phone.number), callingCode: text(phone.callingCode), countryCode: text(phone.countryCode) });
    }
  } else {
    if (text(v.primaryLinkUrl)) items.push({ url: text(v.primaryLinkUrl), label: text(v.primaryLinkLabel) });
    for (const l of Array.isArray(v.secondaryLinks) ? v.secondaryLinks : []) {
      const link = asComposite(l);
      items.push({ url: text(link.url), label: text(link.label) });
    }
  }
  return items;
}

/** The main part of an item: an empty one is dropped on save. */
export const MAIN_PART: Record<ListType, string> = { EMAILS: "email", PHONES: "number", LINKS: "url" };

/** The API's shape for a list, the first item as the primary one. */
export function listValue(type: ListType, items: ListItem[]): Composite {
  const kept = items
    .map((item) => Object.fromEntries(Object.entries(item).map(([k, v]) => [k, v.trim()])))
    .filter((item) => item[MAIN_PART[type]]);
  const [first, ...rest] = kept;
  if (type === "EMAILS") return { primaryEmail: first?.email ?? "", additionalEmails: rest.map((i) => i.email) };
  if (type === "PHONES") {
    return {
      primaryPhoneNumber: first?.number ?? "",
      primaryPhoneCallingCode: first?.callingCode ?? "",
      primaryPhoneCountryCode: first?.countryCode ?? "",
      additionalPhones: rest.map((i) => ({ number: i.number, callingCode: i.callingCode ?? "", countryCode: i.countryCode ?? "" })),
    };
  }
  return {
    primaryLinkUrl: first?.url ?? "",
    primaryLinkLabel: first?.label ?? "",
    secondaryLinks: rest.map((i) => ({ url: i.url, label: i.label ?? "" })),
  };
}

/** The item at `index` moved to the front, the others in their order. */
export function makePrimary<T>(items: T[], index: number): T[] {
  const chosen = items[index];
  if (chosen === undefined || index === 0) return items;
  return [chosen, ...items.filter((_, i) => i !== index)];
}

export const ADDRESS_PARTS = [
  ["addressStreet1", "Street"],
  ["addressStreet2", "Street (line 2)"],
  ["addressCity", "City"],
  ["addressState", "State or region"],
  ["addressPostcode", "Postcode"],
  ["addressCountry", "Country"],
] as const;

/** Currencies offered first; a stored code not among them is offered too. */
export const CURRENCIES = ["USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "CNY", "INR", "BRL", "SEK", "NOK", "DKK", "PLN", "NZD", "SGD", "ZAR", "MXN"];
