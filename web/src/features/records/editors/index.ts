// Editors by field type, for the record page and (later) table cells.
export { FieldEditor, EDITABLE, SAVES_AT_ONCE, fieldKey, relationLabel } from "./FieldEditor";
export { TextEditor, NumberEditor, DateEditor, DateTimeEditor } from "./SimpleEditors";
export { BooleanSwitch, SelectEditor, MultiSelectEditor, RatingEditor, EditorActions } from "./ChoiceEditors";
export { CurrencyEditor, FullNameEditor, AddressEditor, ListEditor } from "./CompositeEditors";
export { RelationPicker, type RelationChoice } from "./RelationPicker";
export { MarkdownInput, RichTextEditor } from "./MarkdownEditor";
export { Markdown } from "./markdown";
export type { EditorProps } from "./types";
