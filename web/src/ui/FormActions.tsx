import { Problem } from "./Problem";

/** The end of an editing form: the server's refusal if any, then save and cancel. */
export function FormActions({ problem, busy, submit, onCancel }: { problem: string | null; busy: boolean; submit: string; onCancel: () => void }) {
  return (
    <>
      <Problem message={problem} />
      <div className="editor-actions">
        <button type="submit" className="primary" disabled={busy}>
          {submit}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </>
  );
}
