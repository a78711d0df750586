import { useEffect, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { followChanges, type LiveChange } from "../../api/kith";
import { applyChange, describeChange } from "./cache";

const NOTE_MS = 5000;

/** Keeps what the workspace's pages show up to date with changes made elsewhere (by another
 *  person, an agent or a script), and says briefly who made the latest of them. */
export function LiveChanges({ workspace, me }: { workspace: string; me: string }) {
  const queries = useQueryClient();
  const [note, setNote] = useState<string | null>(null);

  useEffect(() => {
    const stop = new AbortController();
    let clear: ReturnType<typeof setTimeout> | undefined;
    const onChange = (change: LiveChange) => {
      applyChange(queries, workspace, change);
      if (change.actor?.workspaceMemberId === me) return;
      setNote(describeChange(change));
      clearTimeout(clear);
      clear = setTimeout(() => setNote(null), NOTE_MS);
    };
    void followChanges(workspace, stop.signal, onChange);
    return () => {
      stop.abort();
      clearTimeout(clear);
    };
  }, [queries, workspace, me]);

  return (
    <div className="live-note" role="status" aria-live="polite">
      {note}
    </div>
  );
}
