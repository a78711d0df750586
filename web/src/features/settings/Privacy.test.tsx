import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { ApiError } from "../../api/client";
import type { Erasure, Me, Subject } from "../../api/kith";
import { WorkspaceRole } from "../shell/role";
import { formatTime } from "./common";
import { Privacy } from "./Privacy";

const { api } = vi.hoisted(() => ({ api: { findSubject: vi.fn(), eraseSubject: vi.fn(), erasures: vi.fn() } }));
vi.mock("../../api/kith", () => ({ api }));

const me: Me = { id: "u1", name: "Ada", email: "admin@x.io", theme: "system", avatarUrl: null, twoFactor: false };
const change = { kind: "updated", at: "2026-01-02T00:00:00Z", changes: {} };
const ada: Subject = {
  email: "ada@example.com",
  records: [
    {
      object: "people", id: "p1", record: { name: { firstName: "Ada", lastName: "Lovelace" }, deletedAt: null },
      timeline: [{ id: "e1", ...change }, { id: "e2", ...change }],
    },
    { object: "people", id: "p2", record: { name: { firstName: "Ada", lastName: "L" }, deletedAt: "2026-01-03T00:00:00Z" }, timeline: [] },
  ],
  mentions: [{ object: "notes", id: "n1", record: { title: "Call with Ada" }, linked: true, mentions: true }],
  events: [{ object: "companies", recordId: "c1", id: "e3", kind: "updated", changes: {} }],
  audit: [],
  importRows: [{ importId: "i1", rowNumber: 3, action: "create", reason: null, cells: {} }],
  webhookDeliveries: [],
};
const erasure: Erasure = {
  id: "x1", erasedAt: "2026-02-01T10:00:00Z", records: 2, deletedMentions: 1, scrubbedMentions: 0, scrubbedEvents: 3,
  auditEntries: 0, importRows: 1, webhookDeliveries: 0,
};

beforeEach(() => {
  api.erasures.mockResolvedValue([]);
  api.findSubject.mockResolvedValue(ada);
});
afterEach(() => {
  cleanup();
  vi.clearAllMocks();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

function show(role: "admin" | "member" = "admin") {
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={queries}>
      <WorkspaceRole.Provider value={role}>
        <Privacy me={me} workspace="w" />
      </WorkspaceRole.Provider>
    </QueryClientProvider>,
  );
}

function find(email: string) {
  fireEvent.change(screen.getByLabelText("Email address"), { target: { value: email } });
  fireEvent.click(screen.getByRole("button", { name: "Find" }));
}

function read(blob: Blob): Promise<string> {
  return new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.readAsText(blob);
  });
}

describe("Privacy requests", () => {
  it("finds what the workspace holds about an address, links to it, and downloads it as JSON", async () => {
    show();
    find("ada@example.com");
    expect(await screen.findByText("2 records, 1 note or task, 3 history entries, 0 audit entries, 1 import row, 0 webhook deliveries")).toBeTruthy();
    expect(api.findSubject).toHaveBeenCalledWith("w", "ada@example.com");

    const records = screen.getByRole("table", { name: "Their records" });
    expect(within(records).getByRole("link", { name: "Ada Lovelace" }).getAttribute("href")).toBe("/w/w/people/p1");
    const trashed = within(records).getByRole("link", { name: "Ada L" });
    expect(trashed.getAttribute("href")).toBe("/w/w/people/p2");
    expect(trashed.closest("td")?.textContent).toContain("in the trash");
    expect(within(records).getByRole("link", { name: "Ada Lovelace" }).closest("td")?.textContent).not.toContain("in the trash");
    const notes = screen.getByRole("table", { name: "Notes and tasks about them" });
    expect(within(notes).getByRole("link", { name: "Call with Ada" }).getAttribute("href")).toBe("/w/w/notes/n1");
    expect(within(notes).getByText("Linked to them and mentions the address")).toBeTruthy();

    const created = vi.fn((_blob: Blob) => "blob:subject");
    vi.stubGlobal("URL", Object.assign(URL, { createObjectURL: created, revokeObjectURL: vi.fn() }));
    const saved: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      saved.push(`${this.download} ${this.href}`);
    });
    fireEvent.click(screen.getByRole("button", { name: "Download as JSON" }));
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatch(/^kith-subject-ada@example\.com-\d{4}-\d{2}-\d{2}\.json blob:subject$/);
    const blob = created.mock.calls[0]![0];
    expect(blob.type).toBe("application/json");
    expect(JSON.parse(await read(blob))).toEqual(ada);
  });

  it("says so when nothing mentions the address", async () => {
    api.findSubject.mockResolvedValue({ ...ada, email: "nobody@example.com", records: [], mentions: [], events: [], importRows: [] });
    show();
    find("nobody@example.com");
    expect(await screen.findByText("Nothing in this workspace mentions nobody@example.com.")).toBeTruthy();
    expect(screen.queryByRole("table", { name: "Their records" })).toBeNull();
  });

  it("shows the server's refusal as an alert, and no earlier answer", async () => {
    show();
    find("ada@example.com");
    expect(await screen.findByRole("button", { name: "Download as JSON" })).toBeTruthy();

    api.findSubject.mockRejectedValue(
      new ApiError(400, "validation_failed", "the request is not valid", [{ field: "email", message: "is not an email address" }]),
    );
    find("ada@example");
    expect((await screen.findByRole("alert")).textContent).toContain("email: is not an email address");
    expect(api.findSubject).toHaveBeenLastCalledWith("w", "ada@example");
    expect(screen.queryByRole("button", { name: "Download as JSON" })).toBeNull();
    expect(screen.queryByRole("button", { name: /Erase everything/ })).toBeNull();
  });

  it("erases only once confirmed, says what was erased, and shows it in the refreshed log", async () => {
    const confirm = vi.spyOn(window, "confirm").mockReturnValue(false);
    api.eraseSubject.mockResolvedValue(erasure);
    show();
    expect(await screen.findByText("No one has been erased from this workspace.")).toBeTruthy();
    find("ada@example.com");
    const erase = await screen.findByRole("button", { name: "Erase everything about ada@example.com" });
    expect(screen.getByRole("heading", { name: "Erase ada@example.com" })).toBeTruthy();
    expect(screen.getByText(/cannot be undone/)).toBeTruthy();

    fireEvent.click(erase);
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(api.eraseSubject).not.toHaveBeenCalled();
    expect(screen.getByRole("table", { name: "Their records" })).toBeTruthy();

    confirm.mockReturnValue(true);
    api.erasures.mockResolvedValue([erasure]);
    fireEvent.click(erase);
    await waitFor(() => expect(api.eraseSubject).toHaveBeenCalledWith("w", "ada@example.com"));
    const said = await screen.findByText(/^Erased ada@example.com:/);
    expect(said.textContent).toBe(
      "Erased ada@example.com: deleted 2 records, 1 note or task, 0 audit entries, 1 import row, 0 webhook deliveries; " +
        "replaced the address in 0 notes or tasks and 3 history entries.",
    );
    expect(said.getAttribute("role")).toBe("status");
    expect(screen.queryByRole("table", { name: "Their records" })).toBeNull();
    expect(screen.queryByRole("button", { name: /Erase everything/ })).toBeNull();

    const log = await screen.findByRole("table", { name: "Erasures" });
    expect(api.erasures).toHaveBeenCalledTimes(2);
    const row = within(log).getAllByRole("row")[1]!;
    expect(within(row).getAllByRole("cell").map((cell) => cell.textContent)).toEqual([
      formatTime("2026-02-01T10:00:00Z"), "2", "1", "0", "3", "0", "1", "0",
    ]);
  });

  it("shows members why not, and no form", () => {
    show("member");
    expect(screen.getByText(/Only the workspace's owners and admins/)).toBeTruthy();
    expect(screen.queryByLabelText("Email address")).toBeNull();
    expect(api.erasures).not.toHaveBeenCalled();
  });
});
