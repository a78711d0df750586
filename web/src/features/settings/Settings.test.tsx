import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { Router } from "wouter";
import { memoryLocation } from "wouter/memory-location";
import { ApiError } from "../../api/client";
import type { Me, Member, Role } from "../../api/kith";
import { WorkspaceRole } from "../shell/role";
import { Settings } from "./Settings";

const { api } = vi.hoisted(() => ({
  api: { members: vi.fn(), roles: vi.fn(), invitations: vi.fn(), changeMemberRole: vi.fn(), setTheme: vi.fn() },
}));
vi.mock("../../api/kith", () => ({ api }));

const me: Me = { id: "u1", name: "Ada", email: "ada@x.io", theme: "system", avatarUrl: null, twoFactor: false };
const bob: Member = { userId: "u2", name: "Bob", email: "bob@x.io", role: "member", customRole: null, joinedAt: "2026-01-01T00:00:00Z" };

beforeEach(() => {
  api.members.mockResolvedValue([{ ...bob, userId: "u1", name: "Ada", email: "ada@x.io", role: "owner" }, bob]);
  api.roles.mockResolvedValue([{ id: "r1", name: "Sales", builtIn: false, permissions: {} }]);
  api.invitations.mockResolvedValue([]);
});
afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

function show(section: string | undefined, role: Role) {
  const location = memoryLocation({ path: `/w/ws/settings/${section ?? ""}` });
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={queries}>
      <Router hook={location.hook}>
        <WorkspaceRole.Provider value={role}>
          <Settings me={me} workspace="ws" section={section} />
        </WorkspaceRole.Provider>
      </Router>
    </QueryClientProvider>,
  );
}

const sectionLinks = () => within(screen.getByRole("navigation", { name: "Settings sections" })).getAllByRole("link");

describe("Settings", () => {
  it("opens Profile when the address names no section, and marks it as the current one", () => {
    show(undefined, "member");
    expect(screen.getByRole("heading", { level: 2 }).textContent).toBe("Profile");
    expect(screen.getByRole("link", { name: "Profile" }).getAttribute("aria-current")).toBe("page");
    expect(screen.getByRole("link", { name: "Members" }).getAttribute("href")).toBe("/w/ws/settings/members");
  });

  it("offers members no admin-only section", () => {
    show("profile", "member");
    const names = sectionLinks().map((link) => link.textContent);
    expect(names).not.toContain("API tokens");
    expect(names).not.toContain("Data model");
    expect(names).not.toContain("Agents' activity");
    expect(names).toContain("Trash");
  });

  it("lets admins give a member a custom role, and shows the server's refusal", async () => {
    api.changeMemberRole.mockRejectedValueOnce(new ApiError(409, "conflict", "the workspace must keep an owner"));
    show("members", "admin");
    const select = await screen.findByLabelText("Role of Bob");
    // An admin may not hand out the owner role: only an owner sees it offered.
    expect(within(select).queryByRole("option", { name: "Owner" })).toBeNull();
    await waitFor(() => expect(within(select).getByRole("option", { name: "Sales (custom)" })).toBeTruthy());
    fireEvent.change(select, { target: { value: "custom:r1" } });
    expect((await screen.findByRole("alert")).textContent).toBe("the workspace must keep an owner");
    expect(api.changeMemberRole).toHaveBeenCalledWith("ws", "u2", { roleId: "r1" });
    api.changeMemberRole.mockResolvedValueOnce({ ...bob, role: "viewer" });
    fireEvent.change(select, { target: { value: "viewer" } });
    expect((await screen.findByText("Bob's role changed.")).getAttribute("role")).toBe("status");
    expect(api.changeMemberRole).toHaveBeenLastCalledWith("ws", "u2", { role: "viewer" });
  });

  it("shows members the list without role pickers or the invitation form", async () => {
    show("members", "member");
    expect(await screen.findByText("bob@x.io")).toBeTruthy();
    expect(screen.queryByLabelText("Role of Bob")).toBeNull();
    expect(screen.queryByLabelText("Email to invite")).toBeNull();
    expect(api.invitations).not.toHaveBeenCalled();
  });
});
