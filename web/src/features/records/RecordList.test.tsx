import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { Router } from "wouter";
import { memoryLocation } from "wouter/memory-location";
import { ApiError } from "../../api/client";
import type { ObjectMeta } from "../../api/kith";
import { RecordList } from "./RecordList";
import { ToastProvider } from "../../ui/Toast";

const { api } = vi.hoisted(() => ({ api: { objects: vi.fn(), page: vi.fn(), count: vi.fn(), exportRecords: vi.fn() } }));
vi.mock("../../api/kith", () => ({ api }));

const opportunities: ObjectMeta = {
  id: "o", nameSingular: "opportunity", namePlural: "opportunities", labelSingular: "Opportunity",
  labelPlural: "Opportunities", icon: "target", isCustom: false, isActive: true, labelField: "name",
  fields: [
    { id: "1", name: "name", label: "Name", type: "TEXT" },
    { id: "2", name: "stage", label: "Stage", type: "SELECT", options: [{ value: "PROPOSAL", label: "Proposal", color: "turquoise" }] },
    { id: "3", name: "employees", label: "Employees", type: "NUMBER" },
  ],
};

beforeEach(() => {
  api.objects.mockResolvedValue([opportunities]);
  api.page.mockResolvedValue({ records: [], endCursor: null, hasNextPage: false });
  api.count.mockResolvedValue(3);
});
afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

function show(search: string) {
  const location = memoryLocation({ path: `/w/ws/opportunities?${search}`, record: true });
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={queries}>
      <ToastProvider>
        <Router hook={location.hook} searchHook={location.searchHook}>
          <RecordList workspace="ws" plural="opportunities" />
        </Router>
      </ToastProvider>
    </QueryClientProvider>,
  );
  return location;
}

const sentFilters = () => api.page.mock.calls.map((call) => (call[3] as { filter?: string }).filter);

describe("RecordList's filters", () => {
  it("reads the filter in the address as chips and sends it with the quick filter", async () => {
    const filter = new URLSearchParams({ filter: "stage[in]:[PROPOSAL]", q: "ac" });
    show(filter.toString());
    expect(await screen.findByRole("button", { name: "Edit filter Stage is Proposal" })).toBeTruthy();
    await waitFor(() => expect(sentFilters()).toContain('and(name[ilike]:"%ac%",stage[in]:[PROPOSAL])'));
    expect(await screen.findByText("3")).toBeTruthy(); // the count of the filtered records
    expect(api.count).toHaveBeenCalledWith("ws", "opportunities", 'and(name[ilike]:"%ac%",stage[in]:[PROPOSAL])');
    expect(screen.getByText("No opportunities match these filters.")).toBeTruthy();
  });

  it("puts a new filter in the address, and refetches with it", async () => {
    const location = show("");
    fireEvent.click(await screen.findByRole("button", { name: "+ Filter" }));
    const dialog = screen.getByRole("dialog", { name: "Add filter" });
    fireEvent.click(within(dialog).getByRole("button", { name: "Employees" })); // not the column's
    fireEvent.change(screen.getByLabelText("Operator"), { target: { value: "gte" } });
    fireEvent.change(screen.getByLabelText("Value"), { target: { value: "50" } });
    fireEvent.click(screen.getByRole("button", { name: "Apply" }));
    expect(await screen.findByRole("button", { name: "Edit filter Employees ≥ 50" })).toBeTruthy();
    expect(location.history.at(-1)).toBe(`/w/ws/opportunities?${new URLSearchParams({ filter: "employees[gte]:50" })}`);
    await waitFor(() => expect(sentFilters()).toContain("employees[gte]:50"));
    fireEvent.click(screen.getByRole("button", { name: "Remove filter Employees ≥ 50" }));
    expect(location.history.at(-1)).toBe("/w/ws/opportunities");
  });

  it("still sends a filter chips cannot show, shows the server's refusal and one chip to remove it", async () => {
    api.page.mockRejectedValue(new ApiError(400, "invalid", 'filter unknown operator "equals" (at position 5)'));
    const location = show(new URLSearchParams({ filter: "name[equals]:1" }).toString());
    expect(await screen.findByText("Custom filter")).toBeTruthy();
    expect((await screen.findByRole("alert")).textContent).toContain('unknown operator "equals"');
    expect(sentFilters()).toContain("name[equals]:1");
    fireEvent.click(screen.getByRole("button", { name: "Remove filter Custom filter" }));
    expect(location.history.at(-1)).toBe("/w/ws/opportunities");
  });
});

describe("RecordList's export", () => {
  it("exports what the table shows and says so; a refusal is told, not swallowed", async () => {
    api.exportRecords.mockResolvedValue({ blob: new Blob(["id,name\r\n"]), filename: "opportunities-2026-12-02.csv" });
    const created = vi.fn(() => "blob:file");
    vi.stubGlobal("URL", Object.assign(URL, { createObjectURL: created, revokeObjectURL: vi.fn() }));
    const saved: string[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      saved.push(`${this.download} ${this.href}`);
    });
    show(new URLSearchParams({ filter: "employees[gte]:50", sort: "name:desc" }).toString());
    fireEvent.click(await screen.findByRole("button", { name: "Export CSV" }));
    expect(await screen.findByText("Exported opportunities-2026-12-02.csv")).toBeTruthy();
    const [workspace, plural, view] = api.exportRecords.mock.calls[0] as [string, string, { filter?: string; orderBy?: string; fields: string[] }];
    expect([workspace, plural]).toEqual(["ws", "opportunities"]);
    expect(view.filter).toBe("employees[gte]:50");
    expect(view.orderBy).toBe("name[DescNullsLast]");
    expect(view.fields).toContain("name");
    expect(saved).toEqual(["opportunities-2026-12-02.csv blob:file"]);
    expect(api.exportRecords.mock.calls[0]?.[3]).toBe("csv");

    api.exportRecords.mockResolvedValue({ blob: new Blob(["PK"]), filename: "opportunities-2026-12-02.xlsx" });
    fireEvent.click(screen.getByRole("button", { name: "Export Excel" }));
    expect(await screen.findByText("Exported opportunities-2026-12-02.xlsx")).toBeTruthy();
    expect(api.exportRecords.mock.calls[1]?.slice(1, 2)).toEqual(["opportunities"]);
    expect(api.exportRecords.mock.calls[1]?.[3]).toBe("xlsx");
    expect(saved.at(-1)).toBe("opportunities-2026-12-02.xlsx blob:file");

    api.exportRecords.mockRejectedValue(new ApiError(400, "validation_failed", "filter: no such field"));
    fireEvent.click(screen.getByRole("button", { name: "Export CSV" }));
    expect(await screen.findByText("Export failed: filter: no such field")).toBeTruthy();
    click.mockRestore();
    vi.unstubAllGlobals();
  });
});
