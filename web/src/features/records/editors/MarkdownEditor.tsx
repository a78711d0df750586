// RICH_TEXT: Markdown in a text area, with a preview rendered safely (see markdown.tsx).

import { useState } from "react";
import { Markdown } from "./markdown";
import { EditorActions } from "./ChoiceEditors";
import type { EditorProps } from "./types";

interface Props {
  id: string;
  label: string;
  text: string;
  onChange: (text: string) => void;
  /** Ctrl/Cmd+Enter: Enter alone is a new line in Markdown. */
  onSubmit?: () => void;
  onCancel?: () => void;
  autoFocus?: boolean;
}

/** The text area and its Write / Preview toggle, for forms that own the text (notes, tasks). */
// The group and preview are not named after the field, so the field's name finds the text area alone.
export function MarkdownInput({ id, label, text, onChange, onSubmit, onCancel, autoFocus }: Props) {
  const [preview, setPreview] = useState(false);
  return (
    <div className="markdown-input">
      <div role="group" aria-label="Write or preview" className="view-switch">
        <button type="button" aria-pressed={!preview} onClick={() => setPreview(false)}>
          Write
        </button>
        <button type="button" aria-pressed={preview} onClick={() => setPreview(true)}>
          Preview
        </button>
      </div>
      {preview ? (
        <div className="markdown-preview" aria-label="Preview" role="region">
          {text.trim() ? <Markdown text={text} /> : <p className="muted">Nothing to preview.</p>}
        </div>
      ) : (
        <textarea
          id={id}
          aria-label={label}
          autoFocus={autoFocus}
          rows={6}
          value={text}
          placeholder="Markdown: **bold**, *italic*, - lists, [links](https://…)"
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              onSubmit?.();
            } else if (e.key === "Escape" && onCancel) {
              e.preventDefault();
              e.stopPropagation();
              onCancel();
            }
          }}
        />
      )}
    </div>
  );
}

/** The RICH_TEXT field editor of the record page. */
export function RichTextEditor({ id, label, value, onSave, onCancel }: EditorProps) {
  const [text, setText] = useState(typeof value === "string" ? value : "");
  const save = () => onSave(text.trim() === "" ? null : text);
  return (
    <div className="composite-editor">
      <MarkdownInput id={id} label={label} text={text} onChange={setText} onSubmit={save} onCancel={onCancel} autoFocus />
      <EditorActions save={save} cancel={onCancel} />
    </div>
  );
}
