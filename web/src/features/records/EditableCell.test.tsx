import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { Router } from "wouter";
import { memoryLocation } from "wouter/memory-location";
import { ApiError } from "../../api/client";
import type { ObjectMeta, Role } from "../../api/kith";
import { WorkspaceRole } from "../shell/role";
import { RecordList } from "./RecordList";

const { api } = vi.hoisted(() => ({ api: { objects: vi.fn(), page: vi.fn(), count: vi.fn(), updateRecord: vi.fn(), views: vi.fn() } }));
vi.mock("../../api/kith", () => ({ api }));

const companies: ObjectMeta = {
  id: "o", nameSingular: "company", namePlural: "companies", labelSingular: "Company",
  labelPlural: "Companies", icon: "building", isCustom: false, isActive: true, labelField: "name",
  fields: [
    { id: "1", name: "name", label: "Name", type: "TEXT" },
    { id: "2", name: "employees", label: "Employees", type: "NUMBER" },
  ],
};
const babbage = { id: "c1", name: "Babbage & Co", employees: 3 };

// jsdom lays nothing out: give the grid a height, so that its virtualizer draws rows.
beforeEach(() => {
  vi.spyOn(HTMLElement.prototype, "clientHeight", "get").mockReturnValue(600);
  vi.spyOn(HTMLElement.prototype, "clientWidth", "get").mockReturnValue(800);
  api.objects.mockResolvedValue([companies]);
  api.views.mockResolvedValue([]);
  api.count.mockResolvedValue(1);
  api.page.mockResolvedValue({ records: [babbage], endCursor: null, hasNextPage: false, totalCount: 1 });
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.clearAllMocks();
});

function show(role: Role = "member") {
  const location = memoryLocation({ path: "/w/ws/companies", record: true });
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={queries}>
      <WorkspaceRole.Provider value={role}>
        <Router hook={location.hook} searchHook={location.searchHook}>
          <RecordList workspace="ws" plural="companies" />
        </Router>
      </WorkspaceRole.Provider>
    </QueryClientProvider>,
  );
  return location;
}

/** The Employees cell of Babbage & Co, with the keyboard. */
async function employeesCell() {
  const cell = (await screen.findByText("3")).closest<HTMLElement>("[role=gridcell]");
  if (!cell) throw new Error("no cell");
  fireEvent.click(cell);
  cell.focus();
  return cell;
}

const editor = () => screen.getByRole<HTMLInputElement>("textbox", { name: "Employees" });

describe("a table cell edited in place", () => {
  it("opens the field's editor on Enter; Enter saves it with a PATCH and shows the value", async () => {
    let answer: (value: unknown) => void = () => {};
    api.updateRecord.mockReturnValue(new Promise((resolve) => (answer = resolve)));
    show();
    const cell = await employeesCell();
    fireEvent.keyDown(cell, { key: "Enter" });
    fireEvent.change(editor(), { target: { value: "12" } });
    fireEvent.keyDown(editor(), { key: "Enter" });
    expect(api.updateRecord).toHaveBeenCalledWith("ws", companies, "c1", { employees: 12 });
    // Shown before the server answers, and the cell has the keyboard again.
    expect(await screen.findByText("12")).toBeTruthy();
    expect(screen.queryByRole("textbox", { name: "Employees" })).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(cell));
    answer({ ...babbage, employees: 12 });
    await waitFor(() => expect(screen.getByText("12")).toBeTruthy());
  });

  it("puts the old value back and says why when the server refuses", async () => {
    api.updateRecord.mockRejectedValue(
      new ApiError(422, "invalid", "Some values are not valid", [{ field: "employees", message: "must be at most 10" }]),
    );
    show();
    const cell = await employeesCell();
    fireEvent.keyDown(cell, { key: "Enter" });
    fireEvent.change(editor(), { target: { value: "12" } });
    fireEvent.keyDown(editor(), { key: "Enter" });
    expect((await screen.findByRole("alert")).textContent).toBe("Not saved. Some values are not valid: employees must be at most 10");
    expect(screen.getByText("3")).toBeTruthy();
    expect(screen.queryByText("12")).toBeNull();
  });

  it("gives the edit up on Escape, without a request", async () => {
    show();
    const cell = await employeesCell();
    fireEvent.doubleClick(cell);
    fireEvent.change(editor(), { target: { value: "12" } });
    fireEvent.keyDown(editor(), { key: "Escape" });
    expect(screen.queryByRole("textbox", { name: "Employees" })).toBeNull();
    expect(screen.getByText("3")).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(cell));
    expect(api.updateRecord).not.toHaveBeenCalled();
  });

  it("saves on Tab and moves the keyboard to the next cell", async () => {
    api.updateRecord.mockResolvedValue({ ...babbage, employees: 12 });
    show();
    const cell = await employeesCell();
    fireEvent.keyDown(cell, { key: "ArrowLeft" });
    const name = screen.getByText("Babbage & Co").closest("[role=gridcell]");
    await waitFor(() => expect(document.activeElement).toBe(name));
    fireEvent.click(cell);
    cell.focus();
    fireEvent.keyDown(cell, { key: "Enter" });
    fireEvent.change(editor(), { target: { value: "12" } });
    fireEvent.keyDown(editor(), { key: "Tab", shiftKey: true });
    expect(api.updateRecord).toHaveBeenCalledWith("ws", companies, "c1", { employees: 12 });
    await waitFor(() => expect(document.activeElement).toBe(name));
  });

  it("offers viewers nothing to edit, and Enter on a cell opens the record", async () => {
    const location = show("viewer");
    const cell = await employeesCell();
    fireEvent.keyDown(cell, { key: "Enter" });
    expect(screen.queryByRole("textbox")).toBeNull();
    expect(location.history.at(-1)).toBe("/w/ws/companies/c1");
  });
});
