// The filters of a table as chips under its header, each reading like a sentence ("Stage is
// Proposal"): click one to change it, × to remove it, "+ Filter" to add one. With two or more,
// all / any chooses how they combine; one group of its own join ("any of …") can sit among them.

import { Fragment, useEffect, useId, useRef, useState, type ReactNode } from "react";
import type { FieldMeta } from "../../../api/kith";
import { ConditionEditor } from "./ConditionEditor";
import { describe, describeGroup, emptyGroup, isGroup, type Condition, type FilterGroup, type Join } from "./model";
import { appendTo, itemAt, removeAt, replaceAt, setJoin, type Item, type Place } from "./tree";

interface Props {
  fields: FieldMeta[];
  value: FilterGroup;
  onChange: (next: FilterGroup) => void;
  /** A filter (from the address) that chips cannot show: one "Custom filter" chip stands for it. */
  custom?: string | undefined;
}

type Editing =
  | { mode: "add"; group: Place }
  | { mode: "edit"; place: Place }
  | { mode: "addGroup" };

const TITLES = { add: "Add filter", edit: "Edit filter", addGroup: "Add group" };

export function FilterBar({ fields, value, onChange, custom }: Props) {
  const [editing, setEditing] = useState<Editing | null>(null);
  const addButton = useRef<HTMLButtonElement>(null);
  // Where focus goes back to when the popover closes: the button that opened it.
  const returnTo = useRef<HTMLElement | null>(null);
  useEffect(() => {
    if (editing || !returnTo.current) return;
    const target = returnTo.current.isConnected ? returnTo.current : addButton.current;
    returnTo.current = null;
    target?.focus();
  }, [editing]);

  function open(next: Editing, opener: HTMLElement) {
    returnTo.current = opener;
    setEditing(next);
  }

  function apply(condition: Condition) {
    if (!editing) return;
    if (editing.mode === "add") onChange(appendTo(value, editing.group, condition));
    if (editing.mode === "edit") onChange(replaceAt(value, editing.place, condition));
    if (editing.mode === "addGroup") onChange(appendTo(value, [], { join: "or", items: [condition] }));
    setEditing(null);
  }

  function remove(place: Place) {
    onChange(removeAt(value, place));
    // The chip and its button are gone: focus goes on to "+ Filter" rather than the page.
    addButton.current?.focus();
  }

  const chip = (condition: Condition, place: Place) => (
    <Chip
      key={place.join(".")}
      text={describe(condition, fields)}
      onEdit={(opener) => open({ mode: "edit", place }, opener)}
      onRemove={() => remove(place)}
    />
  );

  const group = (inner: FilterGroup, place: Place): ReactNode => (
    <GroupChip
      key={place.join(".")}
      group={inner}
      text={describeGroup(inner, fields)}
      onJoin={(join) => onChange(setJoin(value, place, join))}
      onAdd={(opener) => open({ mode: "add", group: place }, opener)}
      onRemove={() => remove(place)}
    >
      {inner.items.map((item, j) => itemChip(item, [...place, j]))}
    </GroupChip>
  );

  const itemChip = (item: Item, place: Place) => (isGroup(item) ? group(item, place) : chip(item, place));

  const editingItem = editing?.mode === "edit" ? itemAt(value, editing.place) : undefined;
  const hasGroup = value.items.some(isGroup);
  return (
    <div className="filter-bar" role="group" aria-label="Filters">
      {custom !== undefined ? (
        <span className="filter-chip" title={custom}>
          <span className="filter-chip-text">Custom filter</span>
          <RemoveButton label="Remove filter Custom filter" onClick={() => onChange(emptyGroup())} />
        </span>
      ) : (
        <>
          {value.items.length >= 2 && <JoinSwitch join={value.join} onChange={(join) => onChange(setJoin(value, [], join))} />}
          {value.items.map((item, i) => (
            <Fragment key={i}>
              {i > 0 && <span className="filter-joiner" aria-hidden="true">{value.join}</span>}
              {itemChip(item, [i])}
            </Fragment>
          ))}
          <button
            ref={addButton}
            type="button"
            className="filter-add"
            aria-haspopup="dialog"
            aria-expanded={editing?.mode === "add" && editing.group.length === 0}
            onClick={(event) => open({ mode: "add", group: [] }, event.currentTarget)}
          >
            + Filter
          </button>
          {value.items.length > 0 && !hasGroup && (
            <button
              type="button"
              className="filter-add"
              aria-haspopup="dialog"
              onClick={(event) => open({ mode: "addGroup" }, event.currentTarget)}
            >
              + Add group
            </button>
          )}
        </>
      )}
      {editing && (
        <ConditionEditor
          fields={fields}
          initial={editingItem && !isGroup(editingItem) ? editingItem : undefined}
          title={TITLES[editing.mode]}
          onApply={apply}
          onClose={() => setEditing(null)}
        />
      )}
    </div>
  );
}

function Chip({ text, onEdit, onRemove }: { text: string; onEdit: (opener: HTMLElement) => void; onRemove: () => void }) {
  return (
    <span className="filter-chip">
      <button
        type="button"
        className="filter-chip-text"
        aria-haspopup="dialog"
        aria-label={`Edit filter ${text}`}
        onClick={(event) => onEdit(event.currentTarget)}
      >
        {text}
      </button>
      <RemoveButton label={`Remove filter ${text}`} onClick={onRemove} />
    </span>
  );
}

interface GroupProps {
  group: FilterGroup;
  text: string;
  onJoin: (join: Join) => void;
  onAdd: (opener: HTMLElement) => void;
  onRemove: () => void;
  children: ReactNode[];
}

/** A group in a frame: "any of" (its join, a switch), its chips joined by or / and, + and ×. */
function GroupChip({ group, text, onJoin, onAdd, onRemove, children }: GroupProps) {
  const current = group.join === "or" ? "any of" : "all of";
  const other = group.join === "or" ? "all" : "any";
  return (
    <span className="filter-group" role="group" aria-label={`Group: ${text}`}>
      <button
        type="button"
        className="filter-group-join"
        aria-label={`Group matches ${current}; switch to ${other}`}
        onClick={() => onJoin(group.join === "or" ? "and" : "or")}
      >
        {current}
      </button>
      {children.map((child, j) => (
        <Fragment key={j}>
          {j > 0 && <span className="filter-joiner" aria-hidden="true">{group.join}</span>}
          {child}
        </Fragment>
      ))}
      <button
        type="button"
        className="filter-group-add"
        aria-haspopup="dialog"
        aria-label="Add a filter to the group"
        onClick={(event) => onAdd(event.currentTarget)}
      >
        +
      </button>
      <RemoveButton label={`Remove group ${text}`} onClick={onRemove} />
    </span>
  );
}

function RemoveButton({ label, onClick }: { label: string; onClick: () => void }) {
  return (
    <button type="button" className="filter-chip-remove" aria-label={label} onClick={onClick}>
      <span aria-hidden="true">×</span>
    </button>
  );
}

/** How the top-level filters combine: all of them, or any. */
function JoinSwitch({ join, onChange }: { join: Join; onChange: (join: Join) => void }) {
  const label = useId();
  return (
    <span className="filter-match">
      <span className="muted" id={label}>
        Match
      </span>
      <span className="view-switch" role="group" aria-labelledby={label}>
        <button type="button" aria-pressed={join === "and"} onClick={() => onChange("and")}>
          all
        </button>
        <button type="button" aria-pressed={join === "or"} onClick={() => onChange("or")}>
          any
        </button>
      </span>
    </span>
  );
}
