// A table's filters as people build them (a tree of conditions with user-facing operators) and
// as the REST API takes them (`filter=…`, see docs/API.md "List parameters"), both ways: a filter
// in the page's address or a saved view reopens as the chips that made it.
//
// Negative operators ("is not", "does not contain", "is none of", "is false") also match records
// with no value, as the server's `neq` does: people read "Stage is not Won" as including deals
// with no stage. SQL's NOT leaves NULLs out, hence the `or(x[is]:NULL,not(…))` forms.

import type { FieldMeta } from "../../../api/kith";
import { and, bare, compare, not, or, parse, quoted, render, type Node, type Scalar, type Value } from "./grammar";

export type Join = "and" | "or";

export type OperatorId =
  | "is" | "isNot" | "contains" | "notContains" | "startsWith"
  | "eq" | "neq" | "gt" | "gte" | "lt" | "lte"
  | "before" | "after"
  | "isAnyOf" | "isNoneOf" | "hasAnyOf" | "hasNoneOf"
  | "isTrue" | "isFalse"
  | "isEmpty" | "isNotEmpty";

export interface Condition {
  /** A field's name, or `field.part` for the parts of an address (`address.addressCity`). */
  field: string;
  operator: OperatorId;
  value: string | string[] | null;
}

export interface FilterGroup {
  join: Join;
  items: (Condition | FilterGroup)[];
}

/** What a value is typed with: none for "is empty", option chips for selects… */
export type ValueEditor = "none" | "text" | "integer" | "decimal" | "date" | "options" | "rating" | "id";

export interface Operator {
  id: OperatorId;
  /** As it reads in a chip: "contains", "≥", "is any of". */
  label: string;
  editor: ValueEditor;
}

type Kind =
  | "text" | "name" | "integer" | "decimal" | "currency" | "date" | "dateTime"
  | "select" | "multiSelect" | "boolean" | "rating" | "relation";

const KIND: Record<string, Kind> = {
  TEXT: "text", RICH_TEXT: "text", EMAILS: "text", PHONES: "text", LINKS: "text", ADDRESS: "text",
  FULL_NAME: "name", NUMBER: "integer", NUMERIC: "decimal", CURRENCY: "currency",
  DATE: "date", DATE_TIME: "dateTime", SELECT: "select", MULTI_SELECT: "multiSelect",
  BOOLEAN: "boolean", RATING: "rating", RELATION: "relation",
};

/** The part a composite field is filtered by (the primary email, the amount…). */
const MAIN_PART: Record<string, string> = {
  EMAILS: "primaryEmail",
  PHONES: "primaryPhoneNumber",
  LINKS: "primaryLinkUrl",
  CURRENCY: "amountMicros",
};

/** An address is filtered by one of its parts, each offered as a field of its own. */
const ADDRESS_PARTS: [string, string][] = [
  ["addressStreet1", "street"],
  ["addressCity", "city"],
  ["addressState", "state"],
  ["addressPostcode", "postcode"],
  ["addressCountry", "country"],
];

const op = (id: OperatorId, label: string, editor: ValueEditor = "none"): Operator => ({ id, label, editor });
const EMPTY = op("isEmpty", "is empty");
const NOT_EMPTY = op("isNotEmpty", "is not empty");
const comparisons = (editor: ValueEditor): Operator[] => [
  op("eq", "=", editor), op("neq", "≠", editor), op("gt", ">", editor),
  op("gte", "≥", editor), op("lt", "<", editor), op("lte", "≤", editor), EMPTY, NOT_EMPTY,
];
const dates: Operator[] = [op("is", "is", "date"), op("before", "before", "date"), op("after", "after", "date"), EMPTY, NOT_EMPTY];

const OPERATORS: Record<Kind, Operator[]> = {
  text: [
    op("is", "is", "text"), op("isNot", "is not", "text"), op("contains", "contains", "text"),
    op("notContains", "does not contain", "text"), op("startsWith", "starts with", "text"), EMPTY, NOT_EMPTY,
  ],
  name: [
    op("contains", "contains", "text"), op("notContains", "does not contain", "text"),
    op("startsWith", "starts with", "text"), EMPTY, NOT_EMPTY,
  ],
  integer: comparisons("integer"),
  decimal: comparisons("decimal"),
  currency: comparisons("decimal"),
  rating: [op("eq", "=", "rating"), op("neq", "≠", "rating"), op("gte", "≥", "rating"), op("lte", "≤", "rating"), EMPTY],
  date: dates,
  dateTime: dates,
  select: [op("isAnyOf", "is any of", "options"), op("isNoneOf", "is none of", "options"), EMPTY, NOT_EMPTY],
  // An emptied multi-select holds [], which `is NULL` does not find: no "is empty" for it.
  multiSelect: [op("hasAnyOf", "has any of", "options"), op("hasNoneOf", "has none of", "options")],
  boolean: [op("isTrue", "is true"), op("isFalse", "is false")],
  relation: [op("is", "is", "id"), EMPTY, NOT_EMPTY],
};

/** Something a condition can be about: a field, or one part of an address. */
export interface Target {
  key: string;
  label: string;
  field: FieldMeta;
  kind: Kind;
  /** The filter paths it is matched through: both parts of a full name. */
  paths: string[];
}

export function emptyGroup(): FilterGroup {
  return { join: "and", items: [] };
}

export function isGroup(item: Condition | FilterGroup): item is FilterGroup {
  return "items" in item;
}

/** The user-facing operators for a field, by its type; none for what cannot be filtered. */
export function operatorsFor(field: FieldMeta): Operator[] {
  const kind = KIND[field.type];
  return kind ? OPERATORS[kind] : [];
}

/** What the filter builder offers, in the fields' order. */
export function filterTargets(fields: FieldMeta[]): Target[] {
  return fields.filter((f) => f.isActive !== false && KIND[f.type]).flatMap(targetsOf);
}

function targetsOf(field: FieldMeta): Target[] {
  const kind = KIND[field.type] as Kind;
  if (field.type === "ADDRESS") {
    return ADDRESS_PARTS.map(([part, label]) => {
      const key = `${field.name}.${part}`;
      return { key, label: `${field.label} ${label}`, field, kind, paths: [key] };
    });
  }
  const main = MAIN_PART[field.type];
  const paths =
    field.type === "FULL_NAME" ? [`${field.name}.firstName`, `${field.name}.lastName`]
    : field.type === "RELATION" ? [`${field.name}Id`] // the server filters a relation by its key
    : main ? [`${field.name}.${main}`]
    : [field.name];
  return [{ key: field.name, label: field.label, field, kind, paths }];
}

export function targetFor(key: string, fields: FieldMeta[]): Target | undefined {
  return filterTargets(fields).find((t) => t.key === key);
}

/** The operators of a field, or of one part of an address. */
export function targetOperators(target: Target): Operator[] {
  return OPERATORS[target.kind];
}

export function operatorOf(target: Target, id: OperatorId): Operator | undefined {
  return OPERATORS[target.kind].find((o) => o.id === id);
}

// ---- values -------------------------------------------------------------------------------

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;
const RATING = /^RATING_[1-5]$/;
const UUID = /^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$/;

/** The condition's value when it is complete and valid for its operator; undefined if not. */
function valueOf(target: Target, operator: Operator, value: Condition["value"]): string | string[] | null | undefined {
  if (operator.editor === "none") return null;
  if (operator.editor === "options") {
    const list = Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
    return list.length ? list : undefined;
  }
  if (typeof value !== "string" || !value.trim()) return undefined;
  const valid = {
    text: true,
    integer: INTEGER.test(value),
    decimal: target.kind === "currency" ? unitsToMicros(value) !== undefined : DECIMAL.test(value),
    date: isDay(value),
    rating: RATING.test(value),
    id: UUID.test(value),
  }[operator.editor];
  return valid ? value : undefined;
}

/** Whether a condition would be sent; the editor only applies complete ones. */
export function isComplete(condition: Condition, fields: FieldMeta[]): boolean {
  return encode(condition, fields) !== undefined;
}

/** `1000.5` (units) → `1000500000` (micros), in text, exact however large. */
export function unitsToMicros(units: string): string | undefined {
  const match = /^(-?)(\d+)(?:\.(\d{1,6}))?$/.exec(units.trim());
  if (!match) return undefined;
  const [, sign, whole, fraction = ""] = match;
  const digits = `${whole}${fraction.padEnd(6, "0")}`.replace(/^0+(?=\d)/, "");
  return digits === "0" ? "0" : `${sign}${digits}`;
}

export function microsToUnits(micros: string): string | undefined {
  const match = /^(-?)(\d+)$/.exec(micros);
  if (!match) return undefined;
  const [, sign, digits = ""] = match;
  const padded = digits.padStart(7, "0");
  const whole = padded.slice(0, -6).replace(/^0+(?=\d)/, "");
  const fraction = padded.slice(-6).replace(/0+$/, "");
  const units = fraction ? `${whole}.${fraction}` : whole;
  return units === "0" ? "0" : `${sign}${units}`;
}

function isDay(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === text;
}

/** Midnight starting `day` (plus some days) where the reader is, as the instant the API takes. */
function localMidnight(day: string, plusDays = 0): Date {
  const [year, month, date] = day.split("-").map(Number) as [number, number, number];
  return new Date(year, month - 1, date + plusDays);
}

/** The reader's calendar day of an instant. */
function localDay(instant: string): string | undefined {
  const time = new Date(instant);
  if (Number.isNaN(time.getTime())) return undefined;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())}`;
}

function shiftDay(day: string, days: number): string | undefined {
  return localDay(localMidnight(day, days).toISOString());
}

// ---- tree → filter ------------------------------------------------------------------------

const NULL = bare("NULL");
const NOT_NULL = bare("NOT_NULL");

/** Option values travel bare when they are plain words (`PROPOSAL`), quoted otherwise. */
function word(text: string): Scalar {
  return /^[A-Za-z0-9_-]+$/.test(text) && text !== "NULL" && text !== "NOT_NULL" ? bare(text) : quoted(text);
}

/** No value: NULL, or for text the empty string a cleared field holds. */
const emptyText = (path: string) => or(compare(path, "is", NULL), compare(path, "eq", quoted("")));
const orMissing = (path: string, node: Node) => or(compare(path, "is", NULL), not(node));

/** A typed % or _ stays a wildcard in ilike: it matches itself too, so nothing is lost, and the
 *  text reads back as it was typed. */
function textNode(path: string, id: OperatorId, v: string): Node | undefined {
  switch (id) {
    case "is": return compare(path, "eq", quoted(v));
    case "isNot": return compare(path, "neq", quoted(v));
    case "contains": return compare(path, "ilike", quoted(`%${v}%`));
    case "notContains": return orMissing(path, compare(path, "ilike", quoted(`%${v}%`)));
    // ilike rather than startsWith, which the server matches case-sensitively.
    case "startsWith": return compare(path, "ilike", quoted(`${v}%`));
    case "isEmpty": return emptyText(path);
    case "isNotEmpty": return not(emptyText(path));
    default: return undefined;
  }
}

/** A full name matches through either part: "Name contains ada" finds Ada and Lovelace. */
function nameNode(paths: string[], id: OperatorId, v: string): Node | undefined {
  const each = (which: OperatorId) => paths.map((path) => textNode(path, which, v) as Node);
  switch (id) {
    case "contains":
    case "startsWith": return or(...each(id));
    case "notContains":
    case "isEmpty": return and(...each(id));
    case "isNotEmpty": return not(and(...each("isEmpty")));
    default: return undefined;
  }
}

function emptiness(path: string, id: OperatorId): Node | undefined {
  if (id === "isEmpty") return compare(path, "is", NULL);
  if (id === "isNotEmpty") return compare(path, "is", NOT_NULL);
  return undefined;
}

const COMPARISON_OPS = new Set<OperatorId>(["eq", "neq", "gt", "gte", "lt", "lte"]);

function numberNode(path: string, id: OperatorId, v: string): Node | undefined {
  return COMPARISON_OPS.has(id) ? compare(path, id, bare(v)) : emptiness(path, id);
}

function dateNode(path: string, id: OperatorId, v: string): Node | undefined {
  const ops: Partial<Record<OperatorId, string>> = { is: "eq", before: "lt", after: "gt" };
  const server = ops[id];
  return server ? compare(path, server, bare(v)) : emptiness(path, id);
}

/** A day of a date-time field is the reader's day, from their midnight to the next. */
function dateTimeNode(path: string, id: OperatorId, day: string): Node | undefined {
  if (id === "isEmpty" || id === "isNotEmpty") return emptiness(path, id);
  const start = bare(localMidnight(day).toISOString());
  const next = localMidnight(day, 1);
  switch (id) {
    // lte its last millisecond, not lt the next midnight: "after the day before" and "before
    // the day after" as two chips would otherwise read back as this one.
    case "is": return and(compare(path, "gte", start), compare(path, "lte", bare(new Date(next.getTime() - 1).toISOString())));
    case "before": return compare(path, "lt", start);
    case "after": return compare(path, "gte", bare(next.toISOString()));
    default: return undefined;
  }
}

function optionsNode(path: string, id: OperatorId, values: string[]): Node | undefined {
  const list = values.map(word);
  switch (id) {
    case "isAnyOf": return compare(path, "in", list);
    case "isNoneOf": return orMissing(path, compare(path, "in", list));
    // NOT(containsAny) already holds for a record with none: no NULL case needed.
    case "hasAnyOf": return compare(path, "containsAny", list);
    case "hasNoneOf": return not(compare(path, "containsAny", list));
    default: return emptiness(path, id);
  }
}

/** A condition as a filter node; undefined while it has no (valid) value yet. */
function encode(condition: Condition, fields: FieldMeta[]): Node | undefined {
  const target = targetFor(condition.field, fields);
  const operator = target && operatorOf(target, condition.operator);
  if (!target || !operator) return undefined;
  const value = valueOf(target, operator, condition.value);
  if (value === undefined) return undefined;
  const text = typeof value === "string" ? value : "";
  const path = target.paths[0] as string;
  const id = operator.id;
  switch (target.kind) {
    case "text": return textNode(path, id, text);
    case "name": return nameNode(target.paths, id, text);
    case "integer":
    case "decimal":
    case "rating": return numberNode(path, id, text);
    case "currency": return numberNode(path, id, unitsToMicros(text) ?? "");
    case "date": return dateNode(path, id, text);
    case "dateTime": return dateTimeNode(path, id, text);
    case "select":
    case "multiSelect": return optionsNode(path, id, Array.isArray(value) ? value : []);
    case "boolean": return compare(path, id === "isTrue" ? "eq" : "neq", bare("true"));
    case "relation": return id === "is" ? compare(path, "eq", bare(text)) : emptiness(path, id);
  }
}

/** A group as a node, or nothing when none of its conditions is complete. A nested group keeps
 *  its bracket even around one condition (`or(x)`), so that it reads back as the group it is;
 *  only a lone condition at the top goes bare. */
function groupNode(group: FilterGroup, fields: FieldMeta[], top = false): Node | undefined {
  const parts = group.items.flatMap((item) => {
    const node = isGroup(item) ? groupNode(item, fields) : encode(item, fields);
    return node ? [{ item, node }] : [];
  });
  const [only] = parts;
  if (!only) return undefined;
  if (top && parts.length === 1 && !isGroup(only.item)) return only.node;
  return { kind: group.join, parts: parts.map((part) => part.node) };
}

/** The API's `filter` for a tree: undefined when no condition is complete. */
export function toFilter(group: FilterGroup, fields: FieldMeta[]): string | undefined {
  const node = groupNode(group, fields, true);
  return node ? render(node) : undefined;
}

// ---- filter → tree ------------------------------------------------------------------------

/** The tree a filter was made from; null for a filter the builder cannot show as chips. */
export function parseFilter(text: string, fields: FieldMeta[]): FilterGroup | null {
  if (!text.trim()) return emptyGroup();
  const node = parse(text);
  const item = node && itemOf(node, fields);
  if (!item) return null;
  return isGroup(item) ? item : { join: "and", items: [item] };
}

function itemOf(node: Node, fields: FieldMeta[]): Condition | FilterGroup | null {
  const condition = conditionOf(node, fields);
  if (condition) return condition;
  if (node.kind !== "and" && node.kind !== "or") return null;
  const items = node.parts.map((part) => itemOf(part, fields));
  if (items.some((item) => item === null)) return null;
  return { join: node.kind, items: items as (Condition | FilterGroup)[] };
}

/** The first comparison in a node, depth first; `valued` skips `is` (NULL / NOT_NULL). */
function firstCompare(node: Node, valued: boolean): Extract<Node, { kind: "compare" }> | undefined {
  if (node.kind === "compare") return !valued || node.op !== "is" ? node : undefined;
  const parts = node.kind === "not" ? [node.part] : node.parts;
  for (const part of parts) {
    const found = firstCompare(part, valued);
    if (found) return found;
  }
  return undefined;
}

function targetOfPath(path: string, fields: FieldMeta[]): Target | undefined {
  const targets = filterTargets(fields);
  return targets.find((t) => t.key === path) ?? targets.find((t) => t.paths.includes(path));
}

/** Reads a node as one condition: guesses each operator's value from the node, and keeps the
 *  guess that writes the node back exactly; so only what `toFilter` writes is read. */
function conditionOf(node: Node, fields: FieldMeta[]): Condition | null {
  const first = firstCompare(node, false);
  const target = first && targetOfPath(first.path, fields);
  if (!target) return null;
  const valued = firstCompare(node, true)?.value;
  for (const operator of OPERATORS[target.kind]) {
    const value = guessValue(target, operator, valued);
    if (value === undefined) continue;
    const condition: Condition = { field: target.key, operator: operator.id, value };
    const written = encode(condition, fields);
    if (written && same(written, node)) return condition;
  }
  return null;
}

function guessValue(target: Target, operator: Operator, value: Value | undefined): Condition["value"] | undefined {
  if (operator.editor === "none") return null;
  if (value === undefined) return undefined;
  if (operator.editor === "options") return (Array.isArray(value) ? value : [value]).map((v) => v.text);
  if (Array.isArray(value)) return undefined;
  const text = value.text;
  switch (target.kind) {
    case "text":
    case "name":
      if (operator.id === "contains" || operator.id === "notContains") return text.slice(1, -1);
      return operator.id === "startsWith" ? text.slice(0, -1) : text;
    case "currency": return microsToUnits(text);
    case "dateTime": {
      const day = localDay(text);
      return day && operator.id === "after" ? shiftDay(day, -1) : day;
    }
    default: return text;
  }
}

/** Same filter, whether a value was quoted or bare (the server reads both alike, but for `is`). */
function same(a: Node, b: Node): boolean {
  if (a.kind === "compare" && b.kind === "compare") {
    return a.path === b.path && a.op === b.op && sameValue(a.value, b.value, a.op === "is");
  }
  if (a.kind === "not" && b.kind === "not") return same(a.part, b.part);
  if ((a.kind === "and" || a.kind === "or") && a.kind === b.kind) {
    return a.parts.length === b.parts.length && a.parts.every((part, i) => same(part, b.parts[i] as Node));
  }
  return false;
}

function sameValue(a: Value, b: Value, strict: boolean): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameValue(v, b[i] as Scalar, strict));
  }
  return a.text === b.text && (!strict || a.quoted === b.quoted);
}

// ---- sentences ----------------------------------------------------------------------------

/** A condition as it reads on its chip: "Stage is Proposal", "Employees ≥ 50". */
export function describe(condition: Condition, fields: FieldMeta[], locale?: string): string {
  const target = targetFor(condition.field, fields);
  const operator = target && operatorOf(target, condition.operator);
  if (!target || !operator) return `${condition.field} ${condition.operator}`;
  if (operator.editor === "options") return `${target.label} ${describeOptions(target, operator.id, condition.value, locale)}`;
  const value = describeValue(operator.editor, condition.value, locale);
  return [target.label, operator.label, value].filter(Boolean).join(" ");
}

function describeValue(editor: ValueEditor, value: Condition["value"], locale?: string): string {
  if (editor === "none") return "";
  if (typeof value !== "string" || !value) return "…";
  switch (editor) {
    case "integer":
    case "decimal": return DECIMAL.test(value) ? new Intl.NumberFormat(locale, { maximumFractionDigits: 6 }).format(Number(value)) : value;
    case "rating": return value.replace("RATING_", "");
    case "date": return isDay(value) ? formatDay(value, locale) : value;
    default: return value;
  }
}

function formatDay(day: string, locale?: string): string {
  // The day itself, read in UTC so that no time zone moves it.
  const format = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" });
  return format.format(new Date(`${day}T00:00:00Z`));
}

/** "is Proposal", "is New or Won", "is not Won", "is none of New, Won", "has VIP or Partner". */
function describeOptions(target: Target, id: OperatorId, value: Condition["value"], locale?: string): string {
  const values = Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
  const labels = values.map((v) => target.field.options?.find((o) => o.value === v)?.label ?? v);
  if (!labels.length) return `${OPERATORS[target.kind].find((o) => o.id === id)?.label ?? id} …`;
  const anyOf = new Intl.ListFormat(locale, { type: "disjunction" }).format(labels);
  const single = labels.length === 1;
  switch (id) {
    case "isAnyOf": return `is ${anyOf}`;
    case "isNoneOf": return single ? `is not ${anyOf}` : `is none of ${labels.join(", ")}`;
    case "hasAnyOf": return `has ${anyOf}`;
    default: return single ? `does not have ${anyOf}` : `has none of ${labels.join(", ")}`;
  }
}

/** A group as one line: its conditions joined by "and" / "or", inner groups in brackets. */
export function describeGroup(group: FilterGroup, fields: FieldMeta[], locale?: string): string {
  return group.items
    .map((item) => (isGroup(item) ? `(${describeGroup(item, fields, locale)})` : describe(item, fields, locale)))
    .join(` ${group.join} `);
}
