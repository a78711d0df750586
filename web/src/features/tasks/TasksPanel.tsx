// The Tasks tab of a record page: the tasks linked to the record, and new ones linked at once.

import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type KithRecord, type ObjectMeta } from "../../api/kith";
import { useCanWrite } from "../shell/role";
import { TaskForm, type TaskValues } from "./TaskForm";
import { TaskList } from "./TaskList";
import { useCompleteTask, useDeleteWithUndo } from "./tasks";
import { Problem } from "../../ui/Problem";

interface Props {
  workspace: string;
  object: ObjectMeta;
  record: KithRecord;
  tasks: ObjectMeta;
}

export function TasksPanel({ workspace, object, record, tasks }: Props) {
  const queries = useQueryClient();
  const canWrite = useCanWrite();
  const [adding, setAdding] = useState(false);
  const listKey = ["tasks", workspace, "linked", object.namePlural, record.id];
  const linked = useQuery({ queryKey: listKey, queryFn: () => api.linked(workspace, object.namePlural, record.id, "tasks") });
  const refresh = () => void queries.invalidateQueries({ queryKey: ["tasks", workspace] });
  const { complete, problem } = useCompleteTask(workspace, tasks, listKey);
  const deleting = useDeleteWithUndo(workspace, "tasks", refresh);

  async function create(values: TaskValues) {
    const task = await api.createRecord(workspace, tasks, values);
    await api.link(workspace, "tasks", task.id, { targetObject: object.nameSingular, targetId: record.id });
    setAdding(false);
    refresh();
  }
  async function save(task: KithRecord, values: TaskValues) {
    await api.updateRecord(workspace, tasks, task.id, values);
    refresh();
  }

  return (
    <section aria-label="Tasks" className="items-panel">
      {canWrite && !adding && (
        <button type="button" className="add-item" onClick={() => setAdding(true)}>
          + Add task
        </button>
      )}
      {adding && <TaskForm workspace={workspace} tasks={tasks} onSubmit={create} onCancel={() => setAdding(false)} />}
      <Problem message={linked.error?.message} />
      {(problem ?? deleting.problem) && (
        <p className="problem" role="alert">
          {problem ?? deleting.problem}
        </p>
      )}
      {linked.data?.length === 0 && !adding && <p className="muted">No tasks yet. Add one to follow up on this {object.labelSingular.toLowerCase()}.</p>}
      <TaskList
        workspace={workspace}
        tasks={tasks}
        list={linked.data ?? []}
        complete={(task, done) => void complete(task, done)}
        save={save}
        remove={(task) => void deleting.remove(task)}
      />
    </section>
  );
}
