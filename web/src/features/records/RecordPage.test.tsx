import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { Router } from "wouter";
import { memoryLocation } from "wouter/memory-location";
import { ApiError } from "../../api/client";
import type { ObjectMeta, Role } from "../../api/kith";
import { WorkspaceRole } from "../shell/role";
import { RecordPage } from "./RecordPage";

const { api } = vi.hoisted(() => ({
  api: { objects: vi.fn(), recordDeep: vi.fn(), updateRecord: vi.fn(), timeline: vi.fn() },
}));
vi.mock("../../api/kith", () => ({ api }));

const companies: ObjectMeta = {
  id: "o", nameSingular: "company", namePlural: "companies", labelSingular: "Company",
  labelPlural: "Companies", icon: "building", isCustom: false, isActive: true, labelField: "name",
  fields: [
    { id: "1", name: "name", label: "Name", type: "TEXT" },
    { id: "2", name: "employees", label: "Employees", type: "NUMBER" },
  ],
};

beforeEach(() => {
  api.objects.mockResolvedValue([companies]);
  api.recordDeep.mockResolvedValue({ id: "c1", name: "Babbage & Co", employees: 3 });
  api.timeline.mockResolvedValue([]);
});
afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

function show(role: Role = "member") {
  const location = memoryLocation({ path: "/w/ws/companies/c1" });
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={queries}>
      <WorkspaceRole.Provider value={role}>
        <Router hook={location.hook}>
          <RecordPage workspace="ws" plural="companies" id="c1" />
        </Router>
      </WorkspaceRole.Provider>
    </QueryClientProvider>,
  );
}


describe("a record page's fields", () => {
  it("shows a change at once and keeps it when the server takes it", async () => {
    let answer: (value: unknown) => void = () => {};
    api.updateRecord.mockReturnValue(new Promise((resolve) => (answer = resolve)));
    show();
    fireEvent.click(await screen.findByRole("button", { name: "Employees" }));
    const input = screen.getByRole("textbox", { name: "Employees" });
    fireEvent.change(input, { target: { value: "12" } });
    fireEvent.keyDown(input, { key: "Enter" });
    expect(api.updateRecord).toHaveBeenCalledWith("ws", companies, "c1", { employees: 12 });
    expect(await screen.findByRole("button", { name: "Employees" })).toHaveProperty("textContent", "12");
    answer({ id: "c1", name: "Babbage & Co", employees: 12 });
    await waitFor(() => expect(screen.getByRole("button", { name: "Employees" }).textContent).toBe("12"));
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("puts the old value back, with the server's reason, when the server refuses", async () => {
    api.updateRecord.mockRejectedValue(
      new ApiError(403, "forbidden", "changing records needs the member role or higher"),
    );
    show();
    fireEvent.click(await screen.findByRole("button", { name: "Employees" }));
    const input = screen.getByRole("textbox", { name: "Employees" });
    fireEvent.change(input, { target: { value: "12" } });
    fireEvent.keyDown(input, { key: "Enter" });
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe("Not saved. changing records needs the member role or higher");
    expect(screen.getByRole("button", { name: "Employees" }).textContent).toBe("3");
  });

  it("offers a viewer nothing to edit", async () => {
    show("viewer");
    await screen.findByRole("heading", { name: "Babbage & Co" });
    expect(screen.queryByRole("button", { name: "Employees" })).toBeNull();
    expect(screen.getByText("3")).toBeTruthy();
  });
});
