// RELATION: a searchable picker over the target object's records (or the workspace's members),
// chosen with the arrow keys and Enter, or cleared.

import { useEffect, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { api } from "../../../api/kith";

export interface RelationChoice {
  id: string;
  label: string;
}

interface Props {
  id: string;
  label: string;
  workspace: string;
  /** The target's singular name (`company`, `workspaceMember`). */
  target: string;
  /** The target's plural name, for search; absent for members. */
  targetPlural?: string | undefined;
  current: RelationChoice | null;
  onSave: (choice: RelationChoice | null) => void;
  onCancel: () => void;
}

/** The typed text, settled: searching on every keystroke would race and flicker. */
function useSettled(text: string, ms = 150): string {
  const [settled, setSettled] = useState(text);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(text), ms);
    return () => clearTimeout(timer);
  }, [text, ms]);
  return settled;
}

function useChoices(workspace: string, target: string, targetPlural: string | undefined, q: string) {
  const members = useQuery({
    queryKey: ["members", workspace],
    queryFn: () => api.members(workspace),
    enabled: target === "workspaceMember",
  });
  const search = useQuery({
    queryKey: ["relation-search", workspace, targetPlural, q],
    queryFn: ({ signal }) => api.searchIn(workspace, q, [targetPlural ?? ""], signal),
    enabled: target !== "workspaceMember" && Boolean(targetPlural) && q.trim() !== "",
  });
  if (target === "workspaceMember") {
    const needle = q.trim().toLowerCase();
    const found = (members.data ?? []).filter((m) => `${m.name} ${m.email}`.toLowerCase().includes(needle));
    return { choices: found.map((m) => ({ id: m.userId, label: m.name || m.email })), error: members.error };
  }
  return { choices: (search.data ?? []).map((hit) => ({ id: hit.recordId, label: hit.label })), error: search.error };
}

export function RelationPicker({ id, label, workspace, target, targetPlural, current, onSave, onCancel }: Props) {
  const [text, setText] = useState("");
  const [active, setActive] = useState(0);
  const q = useSettled(text);
  const { choices, error } = useChoices(workspace, target, targetPlural, q);
  const listId = `${id}-choices`;
  const activeChoice = choices[Math.min(active, choices.length - 1)];

  function keyDown(event: React.KeyboardEvent<HTMLInputElement>) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive((at) => (choices.length ? (at + step + choices.length) % choices.length : 0));
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (activeChoice) onSave(activeChoice);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      onCancel();
    }
  }

  return (
    <div className="relation-picker">
      <div className="relation-current">
        <span>{current ? current.label : <span className="muted">None</span>}</span>
        {current && (
          <button type="button" onClick={() => onSave(null)}>
            Clear<span className="visually-hidden"> {label}</span>
          </button>
        )}
      </div>
      <input
        id={id}
        autoFocus
        role="combobox"
        aria-label={`Search ${label}`}
        aria-expanded={choices.length > 0}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={activeChoice ? `${listId}-${activeChoice.id}` : undefined}
        placeholder="Search…"
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setActive(0);
        }}
        onKeyDown={keyDown}
      />
      {error && (
        <small className="problem" role="alert">
          {error.message}
        </small>
      )}
      <ul id={listId} role="listbox" aria-label={`${label} choices`} className="relation-choices">
        {choices.map((choice) => (
          <li
            key={choice.id}
            id={`${listId}-${choice.id}`}
            role="option"
            aria-selected={choice === activeChoice}
            onMouseDown={(e) => e.preventDefault() /* keep focus in the input */}
            onClick={() => onSave(choice)}
          >
            {choice.label}
          </li>
        ))}
      </ul>
      {q.trim() && choices.length === 0 && target !== "workspaceMember" && <small className="muted">No matches.</small>}
    </div>
  );
}
