import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { ApiError } from "../../api/client";
import type { KithRecord, ObjectMeta } from "../../api/kith";
import { WorkspaceRole } from "../shell/role";
import { ToastProvider } from "../../ui/Toast";
import { TasksScreen } from "./TasksScreen";
import { dueGroup, groupTasks } from "./tasks";

const { api } = vi.hoisted(() => ({
  api: { me: vi.fn(), objects: vi.fn(), page: vi.fn(), updateRecord: vi.fn(), members: vi.fn() },
}));
vi.mock("../../api/kith", () => ({ api }));

const tasks: ObjectMeta = {
  id: "t", nameSingular: "task", namePlural: "tasks", labelSingular: "Task", labelPlural: "Tasks", icon: "checkbox",
  isCustom: false, isActive: true, labelField: "title",
  fields: [
    { id: "1", name: "title", label: "Title", type: "TEXT" },
    { id: "2", name: "dueAt", label: "Due", type: "DATE_TIME" },
    {
      id: "3", name: "status", label: "Status", type: "SELECT",
      options: [{ value: "TODO", label: "To do", color: "sky" }, { value: "DONE", label: "Done", color: "green" }],
    },
    { id: "4", name: "assignee", label: "Assignee", type: "RELATION", relation: { target: "workspaceMember" } },
  ],
};
const late: KithRecord = { id: "a", title: "Call Ada", status: "TODO", dueAt: "2020-01-01T10:00:00Z", assigneeId: "u1" };

beforeEach(() => {
  api.me.mockResolvedValue({ id: "u1", name: "Ada", email: "ada@x.co", theme: "system", avatarUrl: null, twoFactor: false });
  api.objects.mockResolvedValue([tasks]);
  api.page.mockResolvedValue({ records: [late], endCursor: null, hasNextPage: false });
  api.members.mockResolvedValue([]);
});
afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

function show() {
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={queries}>
      <WorkspaceRole.Provider value="member">
        <ToastProvider>
          <TasksScreen workspace="ws" />
        </ToastProvider>
      </WorkspaceRole.Provider>
    </QueryClientProvider>,
  );
}

describe("TasksScreen", () => {
  it("shows my tasks (assignee = my user id), late ones marked", async () => {
    show();
    const overdue = await screen.findByRole("region", { name: "Overdue" });
    expect(within(overdue).getByText("Call Ada")).toBeTruthy();
    expect(within(overdue).getByText(/Overdue ·/)).toBeTruthy();
    expect(api.page).toHaveBeenCalledWith("ws", "tasks", null, { orderBy: "dueAt[AscNullsLast]", filter: 'assigneeId[eq]:"u1"' }, 200);
    fireEvent.click(screen.getByRole("tab", { name: "All" }));
    await waitFor(() => expect(api.page).toHaveBeenLastCalledWith("ws", "tasks", null, { orderBy: "dueAt[AscNullsLast]", filter: undefined }, 200));
  });

  it("completes a task at once, and puts it back with the server's reason on a 403", async () => {
    let refuse: (error: unknown) => void = () => {};
    api.updateRecord.mockReturnValue(new Promise((_, reject) => (refuse = reject)));
    show();
    const box = (await screen.findByRole("checkbox", { name: "Complete Call Ada" })) as HTMLInputElement;
    fireEvent.click(box);
    // Optimistic: ticked and moved to Done before the server answers.
    const done = await screen.findByRole("region", { name: "Done" });
    expect((within(done).getByRole("checkbox", { name: "Complete Call Ada" }) as HTMLInputElement).checked).toBe(true);
    expect(api.updateRecord).toHaveBeenCalledWith("ws", tasks, "a", { status: "DONE" });
    refuse(new ApiError(403, "forbidden", "Your role cannot change tasks."));
    expect((await screen.findByRole("alert")).textContent).toBe("“Call Ada” was not completed: Your role cannot change tasks.");
    const overdue = screen.getByRole("region", { name: "Overdue" });
    expect((within(overdue).getByRole("checkbox", { name: "Complete Call Ada" }) as HTMLInputElement).checked).toBe(false);
  });
});

describe("groupTasks", () => {
  it("groups by due date in the reader's day, soonest first", () => {
    const now = new Date(2026, 5, 10, 12, 0);
    const at = (d: Date) => d.toISOString();
    const list: KithRecord[] = [
      { id: "later", dueAt: at(new Date(2026, 5, 20)) },
      { id: "none" },
      { id: "tonight", dueAt: at(new Date(2026, 5, 10, 23, 0)) },
      { id: "done", status: "DONE", dueAt: at(new Date(2026, 5, 1)) },
      { id: "late", dueAt: at(new Date(2026, 5, 10, 9, 0)) },
    ];
    expect(groupTasks(list, now).map(([g, ts]) => [g, ts.map((t) => t.id)])).toEqual([
      ["Overdue", ["late"]], ["Today", ["tonight"]], ["Upcoming", ["later"]], ["No due date", ["none"]], ["Done", ["done"]],
    ]);
    expect(dueGroup({ id: "x", status: "DONE" }, now)).toBe("Done");
  });
});
