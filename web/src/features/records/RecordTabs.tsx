// The right column of a record page: Timeline, Notes, Tasks and the related records, as tabs.

import { useState, type KeyboardEvent } from "react";
import type { KithRecord, ObjectMeta } from "../../api/kith";
import { Timeline } from "./RecordPage";
import { NotesPanel } from "./NotesPanel";
import { TasksPanel } from "../tasks/TasksPanel";
import { RelatedPanel, relatedLabel, relatedTo } from "./RelatedPanel";

interface Props {
  workspace: string;
  objects: ObjectMeta[];
  object: ObjectMeta;
  record: KithRecord;
}

interface Tab {
  id: string;
  label: string;
  panel: () => React.ReactNode;
}

export function RecordTabs({ workspace, objects, object, record }: Props) {
  const tasks = objects.find((o) => o.nameSingular === "task");
  const notes = objects.find((o) => o.nameSingular === "note");
  // Tasks and notes are linked to records, not to each other.
  const linkable = object.nameSingular !== "task" && object.nameSingular !== "note";
  const related = relatedTo(object, objects);
  const tabs: Tab[] = [{ id: "timeline", label: "Timeline", panel: () => <Timeline workspace={workspace} object={object} id={record.id} /> }];
  if (linkable && notes) {
    tabs.push({ id: "notes", label: "Notes", panel: () => <NotesPanel workspace={workspace} object={object} record={record} notes={notes} /> });
  }
  if (linkable && tasks) {
    tabs.push({ id: "tasks", label: "Tasks", panel: () => <TasksPanel workspace={workspace} object={object} record={record} tasks={tasks} /> });
  }
  for (const r of related) {
    const label = relatedLabel(r, related);
    tabs.push({
      id: `related-${r.object.nameSingular}-${r.field.name}`,
      label,
      panel: () => <RelatedPanel workspace={workspace} record={record} related={r} label={label} />,
    });
  }
  const [chosen, setChosen] = useState("timeline");
  const current = tabs.find((t) => t.id === chosen) ?? tabs[0];

  // Arrow keys move between tabs, as the ARIA tabs pattern has it.
  function keyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
    const at = tabs.findIndex((t) => t.id === current?.id);
    const next = tabs[(at + (event.key === "ArrowRight" ? 1 : -1) + tabs.length) % tabs.length];
    if (!next) return;
    setChosen(next.id);
    document.getElementById(`tab-${next.id}`)?.focus();
  }

  return (
    <div className="record-tabs">
      <div role="tablist" aria-label="About this record" className="tabs" onKeyDown={keyDown}>
        {tabs.map((tab) => (
          <button
            key={tab.id}
            id={`tab-${tab.id}`}
            type="button"
            role="tab"
            aria-selected={tab.id === current?.id}
            aria-controls={`panel-${tab.id}`}
            tabIndex={tab.id === current?.id ? 0 : -1}
            onClick={() => setChosen(tab.id)}
          >
            {tab.label}
          </button>
        ))}
      </div>
      {current && (
        <div role="tabpanel" id={`panel-${current.id}`} aria-labelledby={`tab-${current.id}`}>
          {current.panel()}
        </div>
      )}
    </div>
  );
}
