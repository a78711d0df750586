// The editor for a field, by its type. The record page uses it; a table cell can too.

import type { FieldMeta, KithRecord, ObjectMeta } from "../../../api/kith";
import { formatValue } from "../format";
import { BooleanSwitch, MultiSelectEditor, RatingEditor, SelectEditor } from "./ChoiceEditors";
import { AddressEditor, CurrencyEditor, FullNameEditor, ListEditor } from "./CompositeEditors";
import { RichTextEditor } from "./MarkdownEditor";
import { RelationPicker, type RelationChoice } from "./RelationPicker";
import { DateEditor, DateTimeEditor, NumberEditor, TextEditor } from "./SimpleEditors";
import { asComposite } from "./shapes";

/** The key a field is read and written under: a relation `company` as `companyId`. */
export function fieldKey(field: FieldMeta): string {
  return field.type === "RELATION" ? `${field.name}Id` : field.name;
}

/** Types whose control saves as soon as it is used: no separate editing state. */
export const SAVES_AT_ONCE = new Set(["BOOLEAN", "RATING"]);

/** Types the record page can edit. */
export const EDITABLE = new Set([
  "TEXT", "NUMBER", "NUMERIC", "BOOLEAN", "DATE", "DATE_TIME", "SELECT", "MULTI_SELECT", "CURRENCY", "RATING",
  "FULL_NAME", "EMAILS", "PHONES", "LINKS", "ADDRESS", "RELATION", "RICH_TEXT",
]);

/** The label of a relation's record as `depth=1` embeds it (a member by name). */
export function relationLabel(field: FieldMeta, record: KithRecord, objects: ObjectMeta[]): string {
  const embedded = asComposite(record[field.name]);
  if (!record[fieldKey(field)]) return "";
  if (field.relation?.target === "workspaceMember") return String(embedded.name ?? embedded.email ?? "");
  const target = objects.find((o) => o.nameSingular === field.relation?.target);
  const labelField = target?.fields.find((f) => f.name === target.labelField);
  const label = labelField ? formatValue(labelField.type, embedded[labelField.name]) : "";
  return label || "Untitled";
}

interface Props {
  id: string;
  field: FieldMeta;
  record: KithRecord;
  workspace: string;
  objects: ObjectMeta[];
  /** The value to send, and for a relation the chosen record's label (to show before the reload). */
  onSave: (next: unknown, label?: string) => void;
  onCancel: () => void;
}

export function FieldEditor({ id, field, record, workspace, objects, onSave, onCancel }: Props) {
  const value = record[fieldKey(field)];
  const common = { id, label: field.label, value, onSave: (next: unknown) => onSave(next), onCancel };
  switch (field.type) {
    case "NUMBER":
    case "NUMERIC":
      return <NumberEditor {...common} whole={field.type === "NUMBER"} />;
    case "BOOLEAN":
      return <BooleanSwitch {...common} />;
    case "DATE":
      return <DateEditor {...common} />;
    case "DATE_TIME":
      return <DateTimeEditor {...common} />;
    case "SELECT":
      return <SelectEditor {...common} options={field.options ?? []} />;
    case "MULTI_SELECT":
      return <MultiSelectEditor {...common} options={field.options ?? []} />;
    case "RATING":
      return <RatingEditor {...common} />;
    case "CURRENCY":
      return <CurrencyEditor {...common} />;
    case "FULL_NAME":
      return <FullNameEditor {...common} />;
    case "ADDRESS":
      return <AddressEditor {...common} />;
    case "EMAILS":
    case "PHONES":
    case "LINKS":
      return <ListEditor {...common} type={field.type} />;
    case "RICH_TEXT":
      return <RichTextEditor {...common} />;
    case "RELATION": {
      const target = field.relation?.target ?? "";
      const current: RelationChoice | null = value ? { id: String(value), label: relationLabel(field, record, objects) } : null;
      return (
        <RelationPicker
          id={id}
          label={field.label}
          workspace={workspace}
          target={target}
          targetPlural={objects.find((o) => o.nameSingular === target)?.namePlural}
          current={current}
          onSave={(choice) => onSave(choice?.id ?? null, choice?.label)}
          onCancel={onCancel}
        />
      );
    }
    default:
      return <TextEditor {...common} />;
  }
}
