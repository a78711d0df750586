import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { ApiError } from "../../api/client";
import type { ApiToken, Me } from "../../api/kith";
import { WorkspaceRole } from "../shell/role";
import { Tokens } from "./Tokens";

const { api } = vi.hoisted(() => ({
  api: { tokens: vi.fn(), createToken: vi.fn(), revokeToken: vi.fn(), objects: vi.fn(), roles: vi.fn() },
}));
vi.mock("../../api/kith", () => ({ api }));

const me: Me = { id: "u1", name: "Ada", email: "ada@x.io", theme: "system", avatarUrl: null, twoFactor: false };
const listed: ApiToken = {
  id: "t1", name: "Zapier", scopes: ["records:read"], objects: null, role: "member", customRole: null,
  createdBy: { id: "u1", name: "Ada" }, createdAt: "2026-01-01T00:00:00Z", expiresAt: null, lastUsedAt: null,
};

beforeEach(() => {
  api.tokens.mockResolvedValue([]);
  api.objects.mockResolvedValue([
    { id: "o1", nameSingular: "person", namePlural: "people", labelSingular: "Person", labelPlural: "People", isActive: true, isCustom: false, fields: [] },
  ]);
  api.roles.mockResolvedValue([{ id: "r1", name: "Sales", builtIn: false, permissions: {} }]);
});
afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

function show(role: "admin" | "member" = "admin") {
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={queries}>
      <WorkspaceRole.Provider value={role}>
        <Tokens me={me} workspace="w" />
      </WorkspaceRole.Provider>
    </QueryClientProvider>,
  );
}

async function fillAndCreate() {
  fireEvent.click(await screen.findByRole("button", { name: "+ New token" }));
  const form = screen.getByRole("form", { name: "New API token" });
  fireEvent.change(within(form).getByLabelText("Token name"), { target: { value: "Agent" } });
  fireEvent.click(within(form).getByLabelText(/Change records/));
  fireEvent.click(await within(form).findByLabelText("People"));
  fireEvent.change(within(form).getByLabelText("Role"), { target: { value: "custom:r1" } });
  fireEvent.change(within(form).getByLabelText("Expires on (optional)"), { target: { value: "2027-03-31" } });
  fireEvent.click(within(form).getByRole("button", { name: "Create token" }));
}

describe("Creating an API token", () => {
  it("sends what was chosen, shows the secret once with a warning, and forgets it once closed", async () => {
    api.createToken.mockResolvedValue({ ...listed, id: "t2", name: "Agent", token: "kith_s3cret" });
    show();
    expect(await screen.findByText(/No API tokens yet/)).toBeTruthy();
    await fillAndCreate();

    const secret = await screen.findByLabelText("Token secret");
    expect((secret as HTMLInputElement).value).toBe("kith_s3cret");
    expect(screen.getByText(/only time the token is shown/)).toBeTruthy();
    const [, input] = api.createToken.mock.calls[0] as [string, Record<string, unknown>];
    expect(input).toEqual({
      name: "Agent",
      scopes: ["records:read", "records:write"],
      objects: ["people"],
      roleId: "r1",
      expiresAt: new Date("2027-03-31T23:59:59").toISOString(),
    });

    fireEvent.click(screen.getByRole("button", { name: "Done, I have copied it" }));
    expect(screen.queryByLabelText("Token secret")).toBeNull();
    expect(document.body.textContent).not.toContain("kith_s3cret");
    // Opening the form again does not bring it back either.
    fireEvent.click(screen.getByRole("button", { name: "+ New token" }));
    expect(document.body.textContent).not.toContain("kith_s3cret");
  });

  it("copies the secret to the clipboard", async () => {
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    api.createToken.mockResolvedValue({ ...listed, token: "kith_copy" });
    show();
    await fillAndCreate();
    fireEvent.click(await screen.findByRole("button", { name: "Copy token" }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith("kith_copy"));
    expect((await screen.findByText("Copied to the clipboard.")).getAttribute("role")).toBe("status");
  });

  it("shows the server's refusal and keeps the form", async () => {
    api.createToken.mockRejectedValue(new ApiError(403, "forbidden", "a token cannot have a role above yours"));
    show();
    await fillAndCreate();
    expect((await screen.findByRole("alert")).textContent).toContain("a token cannot have a role above yours");
    expect(screen.getByRole("form", { name: "New API token" })).toBeTruthy();
  });

  it("lists tokens, and revokes one after confirming", async () => {
    api.tokens.mockResolvedValue([listed]);
    api.revokeToken.mockResolvedValue(undefined);
    vi.spyOn(window, "confirm").mockReturnValue(true);
    show();
    fireEvent.click(await screen.findByRole("button", { name: "Revoke token Zapier" }));
    await waitFor(() => expect(api.revokeToken).toHaveBeenCalledWith("w", "t1"));
    expect((await screen.findByRole("status")).textContent).toBe("The token Zapier was revoked.");
  });

  it("is not offered to members", async () => {
    show("member");
    expect(screen.getByText(/Only the workspace's owners and admins/)).toBeTruthy();
    expect(api.tokens).not.toHaveBeenCalled();
  });
});
