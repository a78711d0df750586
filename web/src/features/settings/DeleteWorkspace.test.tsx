import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { Router } from "wouter";
import { memoryLocation } from "wouter/memory-location";
import { WorkspaceRole } from "../shell/role";
import type { Role } from "../../api/kith";
import { DeleteWorkspace } from "./DeleteWorkspace";

const { api } = vi.hoisted(() => ({
  api: { workspaces: vi.fn(), deletedWorkspaces: vi.fn(), deleteWorkspace: vi.fn(), restoreWorkspace: vi.fn() },
}));
vi.mock("../../api/kith", () => ({ api }));

afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

function show(role: Role) {
  const location = memoryLocation({ path: "/w/ws/settings/delete-workspace", record: true });
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={queries}>
      <WorkspaceRole.Provider value={role}>
        <Router hook={location.hook}>
          <DeleteWorkspace me={{} as never} workspace="ws" />
        </Router>
      </WorkspaceRole.Provider>
    </QueryClientProvider>,
  );
  return location;
}

describe("DeleteWorkspace", () => {
  it("lets an owner delete the workspace after confirming, then leaves it", async () => {
    api.workspaces.mockResolvedValue([{ id: "ws", name: "Engines", role: "owner" }]);
    api.deletedWorkspaces.mockResolvedValue([]);
    api.deleteWorkspace.mockResolvedValue(undefined);
    vi.spyOn(window, "confirm").mockReturnValue(true);
    const location = show("owner");
    expect(await screen.findByRole("heading", { name: "Delete Engines" })).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Delete workspace" }));
    await waitFor(() => expect(api.deleteWorkspace).toHaveBeenCalledWith("ws"));
    await waitFor(() => expect(location.history.at(-1)).toBe("/"));
  });

  it("offers no deletion to others, and restores a deleted workspace", async () => {
    api.workspaces.mockResolvedValue([{ id: "ws", name: "Engines", role: "admin" }]);
    api.deletedWorkspaces.mockResolvedValue([{ id: "old", name: "Old Co", role: "owner", deletedAt: "2026-12-01T00:00:00Z", purgedAt: "2026-12-31T00:00:00Z" }]);
    api.restoreWorkspace.mockResolvedValue({ id: "old", name: "Old Co" });
    show("admin");
    fireEvent.click(await screen.findByRole("button", { name: "Restore Old Co" }));
    await waitFor(() => expect(api.restoreWorkspace).toHaveBeenCalledWith("old"));
    expect(await screen.findByText("Old Co is restored.")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Delete workspace" })).toBeNull();
  });
});
