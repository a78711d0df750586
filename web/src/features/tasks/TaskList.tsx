// A list of tasks: a checkbox to complete each, its due date (late ones marked), its status.

import { useState } from "react";
import type { KithRecord, ObjectMeta } from "../../api/kith";
import { useCanWrite } from "../shell/role";
import { dueGroup, isDone } from "./tasks";
import { TaskForm, type TaskValues } from "./TaskForm";

interface Props {
  workspace: string;
  tasks: ObjectMeta;
  list: KithRecord[];
  complete: (task: KithRecord, done: boolean) => void;
  save: (task: KithRecord, values: TaskValues) => Promise<void>;
  remove: (task: KithRecord) => void;
}

const dueFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

export function TaskList({ workspace, tasks, list, complete, save, remove }: Props) {
  const canWrite = useCanWrite();
  const [editing, setEditing] = useState<string | null>(null);
  const statuses = tasks.fields.find((f) => f.name === "status")?.options ?? [];
  const now = new Date();
  return (
    <ul className="task-list">
      {list.map((task) => {
        const title = typeof task.title === "string" && task.title ? task.title : "Untitled task";
        if (editing === task.id) {
          return (
            <li key={task.id}>
              <TaskForm
                workspace={workspace}
                tasks={tasks}
                task={task}
                onSubmit={async (values) => {
                  await save(task, values);
                  setEditing(null);
                }}
                onCancel={() => setEditing(null)}
              />
            </li>
          );
        }
        const status = statuses.find((o) => o.value === task.status);
        const late = dueGroup(task, now) === "Overdue";
        return (
          <li key={task.id} className={isDone(task) ? "task done" : "task"}>
            <input
              type="checkbox"
              aria-label={`Complete ${title}`}
              checked={isDone(task)}
              disabled={!canWrite}
              onChange={(e) => complete(task, e.target.checked)}
            />
            <span className="task-title">{title}</span>
            {typeof task.dueAt === "string" && (
              <time dateTime={task.dueAt} className={late ? "overdue" : "muted"}>
                {late ? "Overdue · " : ""}
                {dueFormat.format(new Date(task.dueAt))}
              </time>
            )}
            {status && <span className={`chip chip-${status.color}`}>{status.label}</span>}
            {canWrite && (
              <span className="item-actions">
                <button type="button" onClick={() => setEditing(task.id)}>
                  Edit<span className="visually-hidden"> task {title}</span>
                </button>
                <button type="button" className="danger" onClick={() => remove(task)}>
                  Delete<span className="visually-hidden"> task {title}</span>
                </button>
              </span>
            )}
          </li>
        );
      })}
    </ul>
  );
}
