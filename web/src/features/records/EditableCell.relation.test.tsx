import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { Router } from "wouter";
import { memoryLocation } from "wouter/memory-location";
import { ApiError } from "../../api/client";
import type { ObjectMeta } from "../../api/kith";
import { WorkspaceRole } from "../shell/role";
import { RecordList } from "./RecordList";

const { api } = vi.hoisted(() => ({
  api: { objects: vi.fn(), page: vi.fn(), count: vi.fn(), updateRecord: vi.fn(), views: vi.fn(), searchIn: vi.fn(), members: vi.fn() },
}));
vi.mock("../../api/kith", () => ({ api }));

const companies: ObjectMeta = {
  id: "oc", nameSingular: "company", namePlural: "companies", labelSingular: "Company",
  labelPlural: "Companies", icon: "building", isCustom: false, isActive: true, labelField: "name",
  fields: [{ id: "c-name", name: "name", label: "Name", type: "TEXT" }],
};
const people: ObjectMeta = {
  id: "op", nameSingular: "person", namePlural: "people", labelSingular: "Person",
  labelPlural: "People", icon: "user", isCustom: false, isActive: true, labelField: "name",
  fields: [
    { id: "p-name", name: "name", label: "Name", type: "FULL_NAME" },
    { id: "p-company", name: "company", label: "Company", type: "RELATION", relation: { target: "company" } },
    { id: "p-bio", name: "bio", label: "Bio", type: "RICH_TEXT" },
  ],
};
const ada = {
  id: "p1", name: { firstName: "Ada", lastName: "Lovelace" }, companyId: "c1", company: { id: "c1", name: "Analytical Engines" },
  bio: "Wrote the *first* program\nand more",
};

beforeEach(() => {
  vi.spyOn(HTMLElement.prototype, "clientHeight", "get").mockReturnValue(600);
  vi.spyOn(HTMLElement.prototype, "clientWidth", "get").mockReturnValue(800);
  api.objects.mockResolvedValue([companies, people]);
  api.views.mockResolvedValue([]);
  api.count.mockResolvedValue(1);
  api.page.mockResolvedValue({ records: [ada], endCursor: null, hasNextPage: false, totalCount: 1 });
  api.searchIn.mockResolvedValue([
    { objectNameSingular: "company", recordId: "c2", label: "Babbage & Co" },
    { objectNameSingular: "company", recordId: "c3", label: "Babbage Labs" },
  ]);
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.clearAllMocks();
});

function show() {
  const location = memoryLocation({ path: "/w/ws/people", searchPath: "cols=name,company,bio", record: true });
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={queries}>
      <WorkspaceRole.Provider value="member">
        <Router hook={location.hook} searchHook={location.searchHook}>
          <RecordList workspace="ws" plural="people" />
        </Router>
      </WorkspaceRole.Provider>
    </QueryClientProvider>,
  );
}

/** The cell showing `text`, with the keyboard. */
async function cellOf(text: string) {
  const cell = (await screen.findByText(text)).closest<HTMLElement>("[role=gridcell]");
  if (!cell) throw new Error(`no cell shows ${text}`);
  fireEvent.click(cell);
  cell.focus();
  return cell;
}

const picker = () => screen.getByRole<HTMLInputElement>("combobox", { name: "Search Company" });

describe("a relation cell edited in place", () => {
  it("asks for the related records by name, since the table shows them", async () => {
    show();
    await screen.findByText("Analytical Engines");
    expect(api.page.mock.calls[0]?.[3]).toMatchObject({ depth: 1 });
  });

  it("opens the picker on Enter; a choice by keyboard is shown at once and saved as the id", async () => {
    let answer: (value: unknown) => void = () => {};
    api.updateRecord.mockReturnValue(new Promise((resolve) => (answer = resolve)));
    show();
    const cell = await cellOf("Analytical Engines");
    fireEvent.keyDown(cell, { key: "Enter" });
    fireEvent.change(picker(), { target: { value: "babb" } });
    await screen.findByRole("option", { name: "Babbage Labs" });
    expect(api.searchIn).toHaveBeenCalledWith("ws", "babb", ["companies"], expect.anything());
    fireEvent.keyDown(picker(), { key: "ArrowDown" });
    fireEvent.keyDown(picker(), { key: "Enter" });
    expect(api.updateRecord).toHaveBeenCalledWith("ws", people, "p1", { companyId: "c3" });
    // The new name shows before the server answers, and stays once it has (its answer embeds nothing).
    await waitFor(() => expect(cell.textContent).toBe("Babbage Labs"));
    await waitFor(() => expect(document.activeElement).toBe(cell));
    answer({ ...ada, companyId: "c3" });
    await waitFor(() => expect(api.updateRecord).toHaveBeenCalledTimes(1));
    expect(cell.textContent).toBe("Babbage Labs");
  });

  it("takes a choice by mouse after a double-click", async () => {
    api.updateRecord.mockResolvedValue({ ...ada, companyId: "c2" });
    show();
    const cell = await cellOf("Analytical Engines");
    fireEvent.doubleClick(cell);
    fireEvent.change(picker(), { target: { value: "babb" } });
    fireEvent.click(await screen.findByRole("option", { name: "Babbage & Co" }));
    expect(api.updateRecord).toHaveBeenCalledWith("ws", people, "p1", { companyId: "c2" });
    expect(await screen.findByText("Babbage & Co")).toBeTruthy();
  });

  it("puts the old record back and says why when the server refuses", async () => {
    api.updateRecord.mockRejectedValue(
      new ApiError(422, "invalid", "Some values are not valid", [{ field: "companyId", message: "no company has this id" }]),
    );
    show();
    const cell = await cellOf("Analytical Engines");
    fireEvent.keyDown(cell, { key: "F2" });
    fireEvent.change(picker(), { target: { value: "babb" } });
    await screen.findByRole("option", { name: "Babbage & Co" });
    fireEvent.keyDown(picker(), { key: "Enter" });
    expect((await screen.findByRole("alert")).textContent).toBe("Not saved. Some values are not valid: companyId no company has this id");
    expect(cell.textContent).toContain("Analytical Engines");
  });

  it("clears the relation with its Clear button", async () => {
    api.updateRecord.mockResolvedValue({ ...ada, companyId: null });
    show();
    const cell = await cellOf("Analytical Engines");
    fireEvent.keyDown(cell, { key: "Enter" });
    fireEvent.click(screen.getByRole("button", { name: "Clear Company" }));
    expect(api.updateRecord).toHaveBeenCalledWith("ws", people, "p1", { companyId: null });
    await waitFor(() => expect(cell.textContent).toBe(""));
  });

  it("gives the edit up on Escape, without a request", async () => {
    show();
    const cell = await cellOf("Analytical Engines");
    fireEvent.keyDown(cell, { key: "Enter" });
    fireEvent.change(picker(), { target: { value: "babb" } });
    await screen.findByRole("option", { name: "Babbage & Co" });
    fireEvent.keyDown(picker(), { key: "Escape" });
    expect(screen.queryByRole("combobox")).toBeNull();
    expect(cell.textContent).toBe("Analytical Engines");
    await waitFor(() => expect(document.activeElement).toBe(cell));
    expect(api.updateRecord).not.toHaveBeenCalled();
  });
});

describe("a rich text cell edited in place", () => {
  const text = () => screen.getByRole<HTMLTextAreaElement>("textbox", { name: "Bio" });

  it("shows the first line, edits the whole Markdown over the cell and saves on Ctrl+Enter", async () => {
    api.updateRecord.mockResolvedValue({ ...ada, bio: "Poet of *science*" });
    show();
    const cell = await cellOf("Wrote the *first* program");
    fireEvent.keyDown(cell, { key: "Enter" });
    expect(text().value).toBe(ada.bio);
    fireEvent.change(text(), { target: { value: "Poet of *science*" } });
    // Enter alone is a new line in Markdown, not a save.
    fireEvent.keyDown(text(), { key: "Enter" });
    expect(api.updateRecord).not.toHaveBeenCalled();
    fireEvent.keyDown(text(), { key: "Enter", ctrlKey: true });
    expect(api.updateRecord).toHaveBeenCalledWith("ws", people, "p1", { bio: "Poet of *science*" });
    expect(await screen.findByText("Poet of *science*")).toBeTruthy();
  });

  it("saves on Tab and moves on, as the other cells do", async () => {
    api.updateRecord.mockResolvedValue({ ...ada, bio: "Short" });
    show();
    const cell = await cellOf("Wrote the *first* program");
    fireEvent.keyDown(cell, { key: "Enter" });
    fireEvent.change(text(), { target: { value: "Short" } });
    fireEvent.keyDown(text(), { key: "Tab", shiftKey: true });
    expect(api.updateRecord).toHaveBeenCalledWith("ws", people, "p1", { bio: "Short" });
    const company = screen.getByText("Analytical Engines").closest("[role=gridcell]");
    await waitFor(() => expect(document.activeElement).toBe(company));
  });
});
