import type { KeyboardEvent } from "react";

/** What every editor takes: it shows `value` and hands back the API's body value. */
export interface EditorProps {
  /** The id of the editor's first control, which the field's label points at. */
  id: string;
  /** The field's label, for controls the visible label does not name. */
  label: string;
  value: unknown;
  onSave: (next: unknown) => void;
  onCancel: () => void;
}

/** Enter saves (Shift+Enter is left alone, for text areas), Escape cancels. */
export function saveOrCancel(save: () => void, cancel: () => void) {
  return (event: KeyboardEvent<HTMLElement>) => {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      cancel();
    } else if (event.key === "Enter" && !event.shiftKey && !(event.target instanceof HTMLTextAreaElement)) {
      event.preventDefault();
      save();
    }
  };
}
