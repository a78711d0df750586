// The Notes tab of a record page: notes linked to the record (title and Markdown body).

import { useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type KithRecord, type ObjectMeta } from "../../api/kith";
import { useCanWrite } from "../shell/role";
import { Markdown, MarkdownInput } from "./editors";
import { useDeleteWithUndo } from "../tasks/tasks";
import { FormActions } from "../../ui/FormActions";
import { Problem } from "../../ui/Problem";

interface Props {
  workspace: string;
  object: ObjectMeta;
  record: KithRecord;
  notes: ObjectMeta;
}

type NoteValues = {
  title: string;
  body: string | null;
};

export function NotesPanel({ workspace, object, record, notes }: Props) {
  const queries = useQueryClient();
  const canWrite = useCanWrite();
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const linked = useQuery({
    queryKey: ["notes", workspace, "linked", object.namePlural, record.id],
    queryFn: () => api.linked(workspace, object.namePlural, record.id, "notes"),
  });
  const refresh = () => void queries.invalidateQueries({ queryKey: ["notes", workspace] });
  const deleting = useDeleteWithUndo(workspace, "notes", refresh);

  async function create(values: NoteValues) {
    const note = await api.createRecord(workspace, notes, values);
    await api.link(workspace, "notes", note.id, { targetObject: object.nameSingular, targetId: record.id });
    setAdding(false);
    refresh();
  }
  async function save(note: KithRecord, values: NoteValues) {
    await api.updateRecord(workspace, notes, note.id, values);
    setEditing(null);
    refresh();
  }

  return (
    <section aria-label="Notes" className="items-panel">
      {canWrite && !adding && (
        <button type="button" className="add-item" onClick={() => setAdding(true)}>
          + Add note
        </button>
      )}
      {adding && <NoteForm onSubmit={create} onCancel={() => setAdding(false)} />}
      <Problem message={linked.error?.message} />
      <Problem message={deleting.problem} />
      {linked.data?.length === 0 && !adding && <p className="muted">No notes yet. Add one to keep what was said.</p>}
      <ul className="note-list">
        {(linked.data ?? []).map((note) => {
          const title = typeof note.title === "string" && note.title ? note.title : "Untitled note";
          if (editing === note.id) {
            return (
              <li key={note.id}>
                <NoteForm note={note} onSubmit={(values) => save(note, values)} onCancel={() => setEditing(null)} />
              </li>
            );
          }
          return (
            <li key={note.id} className="note">
              <article aria-label={title}>
                <h3>{title}</h3>
                {typeof note.body === "string" && <Markdown text={note.body} />}
                {canWrite && (
                  <span className="item-actions">
                    <button type="button" onClick={() => setEditing(note.id)}>
                      Edit<span className="visually-hidden"> note {title}</span>
                    </button>
                    <button type="button" className="danger" onClick={() => void deleting.remove(note)}>
                      Delete<span className="visually-hidden"> note {title}</span>
                    </button>
                  </span>
                )}
              </article>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function NoteForm({ note, onSubmit, onCancel }: { note?: KithRecord; onSubmit: (values: NoteValues) => Promise<void>; onCancel: () => void }) {
  const [title, setTitle] = useState(typeof note?.title === "string" ? note.title : "");
  const [body, setBody] = useState(typeof note?.body === "string" ? note.body : "");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event?: FormEvent) {
    event?.preventDefault();
    if (!title.trim() && !body.trim()) return setProblem("Write a title or some text.");
    setBusy(true);
    try {
      await onSubmit({ title: title.trim(), body: body.trim() ? body : null });
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
      setBusy(false);
    }
  }
  return (
    <form className="item-form" aria-label={note ? "Edit note" : "New note"} onSubmit={(e) => void submit(e)} onKeyDown={(e) => e.key === "Escape" && onCancel()}>
      <label className="field">
        <span>Note title</span>
        <input autoFocus value={title} onChange={(e) => setTitle(e.target.value)} />
      </label>
      <MarkdownInput id={note ? `note-${note.id}-body` : "note-new-body"} label="Note body" text={body} onChange={setBody} onSubmit={() => void submit()} />
      <FormActions problem={problem} busy={busy} submit={note ? "Save note" : "Add note"} onCancel={onCancel} />
    </form>
  );
}
