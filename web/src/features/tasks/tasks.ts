// Tasks: their groups by due date, completing one at once, deleting with Undo.

import { useState } from "react";
import { useQueryClient, type QueryKey } from "@tanstack/react-query";
import { api, type KithRecord, type ObjectMeta } from "../../api/kith";
import { ApiError } from "../../api/client";
import { useToast } from "../../ui/Toast";

export const isDone = (task: KithRecord) => task.status === "DONE";

export type DueGroup = "Overdue" | "Today" | "Upcoming" | "No due date" | "Done";
export const GROUP_ORDER: DueGroup[] = ["Overdue", "Today", "Upcoming", "No due date", "Done"];

/** Where a task stands against the clock, in the reader's own day. */
export function dueGroup(task: KithRecord, now: Date): DueGroup {
  if (isDone(task)) return "Done";
  if (typeof task.dueAt !== "string" || !task.dueAt) return "No due date";
  const due = new Date(task.dueAt);
  if (due.getTime() < now.getTime()) return "Overdue";
  const sameDay = due.getFullYear() === now.getFullYear() && due.getMonth() === now.getMonth() && due.getDate() === now.getDate();
  return sameDay ? "Today" : "Upcoming";
}

/** The tasks by group, each group soonest first (no date last), groups in their order. */
export function groupTasks(tasks: KithRecord[], now: Date): [DueGroup, KithRecord[]][] {
  const due = (t: KithRecord) => (typeof t.dueAt === "string" ? Date.parse(t.dueAt) : Number.POSITIVE_INFINITY);
  const sorted = [...tasks].sort((a, b) => due(a) - due(b));
  return GROUP_ORDER.map((group) => [group, sorted.filter((t) => dueGroup(t, now) === group)] as [DueGroup, KithRecord[]]).filter(
    ([, list]) => list.length > 0,
  );
}

const message = (error: unknown) => (error instanceof ApiError ? error.message : String(error));

/** Ticking a task marks it DONE at once; the server's refusal puts it back and says why. */
export function useCompleteTask(workspace: string, tasks: ObjectMeta | undefined, listKey: QueryKey) {
  const queries = useQueryClient();
  const [problem, setProblem] = useState<string | null>(null);
  async function complete(task: KithRecord, done: boolean) {
    if (!tasks) return;
    const status = done ? "DONE" : "TODO";
    const before = queries.getQueryData<KithRecord[]>(listKey);
    setProblem(null);
    queries.setQueryData<KithRecord[]>(listKey, (list) => list?.map((t) => (t.id === task.id ? { ...t, status } : t)));
    try {
      await api.updateRecord(workspace, tasks, task.id, { status });
      void queries.invalidateQueries({ queryKey: ["tasks", workspace] });
    } catch (error) {
      queries.setQueryData(listKey, before);
      const title = typeof task.title === "string" && task.title ? task.title : "The task";
      setProblem(`“${title}” was not ${done ? "completed" : "reopened"}: ${message(error)}`);
    }
  }
  return { complete, problem };
}

/** Deleting moves a record to the trash; the toast's Undo restores it. */
export function useDeleteWithUndo(workspace: string, plural: "tasks" | "notes", refresh: () => void) {
  const toast = useToast();
  const [problem, setProblem] = useState<string | null>(null);
  async function remove(record: KithRecord) {
    setProblem(null);
    try {
      await api.deleteRecord(workspace, plural, record.id);
      refresh();
      toast({
        message: plural === "tasks" ? "Task deleted" : "Note deleted",
        undo: () =>
          void api
            .restoreRecord(workspace, plural, record.id)
            .then(refresh)
            .catch((error: unknown) => setProblem(`Not restored: ${message(error)}`)),
      });
    } catch (error) {
      setProblem(`Not deleted: ${message(error)}`);
    }
  }
  return { remove, problem };
}
