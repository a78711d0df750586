// Making or changing a task: title, due date, status, assignee (optional).

import { useState, type FormEvent } from "react";
import { useQuery } from "@tanstack/react-query";
import { api, type KithRecord, type ObjectMeta } from "../../api/kith";
import { endOfLocalDay, localDay } from "../records/editors/shapes";
import { MarkdownInput } from "../records/editors";
import { FormActions } from "../../ui/FormActions";

export type TaskValues = {
  title: string;
  body: string | null;
  dueAt: string | null;
  status: string;
  assigneeId: string | null;
};

interface Props {
  workspace: string;
  tasks: ObjectMeta;
  task?: KithRecord;
  /** Who a new task is for at first (the Tasks screen's "Mine"). */
  assignee?: string | null;
  onSubmit: (values: TaskValues) => Promise<void>;
  onCancel: () => void;
}

export function TaskForm({ workspace, tasks, task, assignee = null, onSubmit, onCancel }: Props) {
  const members = useQuery({ queryKey: ["members", workspace], queryFn: () => api.members(workspace) });
  const statuses = tasks.fields.find((f) => f.name === "status")?.options ?? [];
  const [title, setTitle] = useState(typeof task?.title === "string" ? task.title : "");
  const [body, setBody] = useState(typeof task?.body === "string" ? task.body : "");
  // A due day, not an hour: the task is late once that day (the reader's) is over.
  const [due, setDue] = useState(localDay(task?.dueAt));
  const [status, setStatus] = useState(typeof task?.status === "string" ? task.status : "TODO");
  const [assigneeId, setAssigneeId] = useState<string>(typeof task?.assigneeId === "string" ? task.assigneeId : (assignee ?? ""));
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const formId = task ? `task-${task.id}` : "task-new";

  async function submit(event?: FormEvent) {
    event?.preventDefault();
    if (!title.trim()) return setProblem("Give the task a title.");
    setBusy(true);
    setProblem(null);
    try {
      await onSubmit({ title: title.trim(), body: body.trim() ? body : null, dueAt: endOfLocalDay(due), status, assigneeId: assigneeId || null });
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
      setBusy(false);
    }
  }

  return (
    <form className="item-form" aria-label={task ? "Edit task" : "New task"} onSubmit={(e) => void submit(e)} onKeyDown={(e) => e.key === "Escape" && onCancel()}>
      <label className="field">
        <span>Task title</span>
        <input autoFocus value={title} onChange={(e) => setTitle(e.target.value)} />
      </label>
      <div className="item-form-row">
        <label className="field">
          <span>Due date</span>
          <input type="date" value={due} onChange={(e) => setDue(e.target.value)} />
        </label>
        <label className="field">
          <span>Status</span>
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            {statuses.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Assignee</span>
          <select value={assigneeId} onChange={(e) => setAssigneeId(e.target.value)}>
            <option value="">Nobody</option>
            {(members.data ?? []).map((m) => (
              <option key={m.userId} value={m.userId}>
                {m.name || m.email}
              </option>
            ))}
          </select>
        </label>
      </div>
      <MarkdownInput id={`${formId}-body`} label="Task description" text={body} onChange={setBody} onSubmit={() => void submit()} />
      <FormActions problem={problem} busy={busy} submit={task ? "Save task" : "Add task"} onCancel={onCancel} />
    </form>
  );
}
