// The Tasks screen: my tasks or everyone's, by due date (late ones first and marked), with a
// checkbox to complete each and a form for a new one.

import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "wouter";
import { api, type KithRecord } from "../../api/kith";
import { useCanWrite } from "../shell/role";
import { TaskForm, type TaskValues } from "./TaskForm";
import { TaskList } from "./TaskList";
import { groupTasks, useCompleteTask, useDeleteWithUndo } from "./tasks";

type Tab = "mine" | "all";

export function TasksScreen({ workspace }: { workspace: string }) {
  const queries = useQueryClient();
  const canWrite = useCanWrite();
  const [tab, setTab] = useState<Tab>("mine");
  const [adding, setAdding] = useState(false);
  const me = useQuery({ queryKey: ["me"], queryFn: api.me });
  const objects = useQuery({ queryKey: ["objects", workspace], queryFn: () => api.objects(workspace) });
  const tasks = objects.data?.find((o) => o.nameSingular === "task");
  // An assignee is a workspace member, held by their user id: the id /api/v1/me gives.
  const myId = me.data?.id;
  const listKey = ["tasks", workspace, "screen", tab, myId];
  const list = useQuery({
    queryKey: listKey,
    queryFn: async () => {
      const filter = tab === "mine" ? `assigneeId[eq]:"${myId}"` : undefined;
      return (await api.page(workspace, "tasks", null, { orderBy: "dueAt[AscNullsLast]", filter }, 200)).records;
    },
    enabled: Boolean(tasks) && (tab === "all" || Boolean(myId)),
  });
  const refresh = () => void queries.invalidateQueries({ queryKey: ["tasks", workspace] });
  const { complete, problem } = useCompleteTask(workspace, tasks, listKey);
  const deleting = useDeleteWithUndo(workspace, "tasks", refresh);

  if (objects.error) return <p role="alert">{objects.error.message}</p>;
  if (!tasks) return <div className="splash" aria-busy="true" />;

  async function create(values: TaskValues) {
    await api.createRecord(workspace, tasks!, values);
    setAdding(false);
    refresh();
  }
  async function save(task: KithRecord, values: TaskValues) {
    await api.updateRecord(workspace, tasks!, task.id, values);
    refresh();
  }

  const groups = groupTasks(list.data ?? [], new Date());
  return (
    <section className="tasks-screen" aria-labelledby="tasks-title">
      <header className="list-header">
        <h1 id="tasks-title">Tasks</h1>
        <div role="tablist" aria-label="Whose tasks" className="view-switch">
          {(["mine", "all"] as const).map((t) => (
            <button key={t} type="button" role="tab" aria-selected={tab === t} onClick={() => setTab(t)}>
              {t === "mine" ? "Mine" : "All"}
            </button>
          ))}
        </div>
        <Link href={`/w/${workspace}/tasks?view=table`} className="quick-filter">
          Open as table
        </Link>
        {canWrite && (
          <button type="button" className="primary" onClick={() => setAdding(true)}>
            + New task
          </button>
        )}
      </header>
      {adding && <TaskForm workspace={workspace} tasks={tasks} assignee={tab === "mine" ? (myId ?? null) : null} onSubmit={create} onCancel={() => setAdding(false)} />}
      {(list.error ?? me.error) && <p role="alert">{(list.error ?? me.error)?.message}</p>}
      {(problem ?? deleting.problem) && (
        <p className="problem" role="alert">
          {problem ?? deleting.problem}
        </p>
      )}
      {list.isPending && <div className="skeleton" aria-busy="true" />}
      {list.data?.length === 0 && (
        <p className="empty">{tab === "mine" ? "No tasks for you. Add one, or look at everyone's under All." : "No tasks yet. Add one with + New task."}</p>
      )}
      {groups.map(([group, inGroup]) => (
        <section key={group} aria-label={group} className={group === "Overdue" ? "task-group overdue-group" : "task-group"}>
          <h2>
            {group} <span className="muted">{inGroup.length}</span>
          </h2>
          <TaskList
            workspace={workspace}
            tasks={tasks}
            list={inGroup}
            complete={(task, done) => void complete(task, done)}
            save={save}
            remove={(task) => void deleting.remove(task)}
          />
        </section>
      ))}
    </section>
  );
}
