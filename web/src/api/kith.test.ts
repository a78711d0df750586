// The settings' calls: each is checked for the method, path, body and headers the API documents.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api } from "./kith";

interface Sent {
  path: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

let fetchMock: ReturnType<typeof vi.fn>;

function answering(status: number, body?: unknown) {
  fetchMock = vi.fn(async () => new Response(body === undefined ? null : JSON.stringify(body), { status }));
  vi.stubGlobal("fetch", fetchMock);
}

function sent(call = 0): Sent {
  const [path, init] = fetchMock.mock.calls[call] as [string, RequestInit];
  const body = typeof init.body === "string" ? JSON.parse(init.body) : init.body;
  return { path, method: init.method ?? "GET", headers: init.headers as Record<string, string>, body };
}

beforeEach(() => {
  document.cookie = "kith_csrf=tok";
});
afterEach(() => {
  vi.unstubAllGlobals();
  document.cookie = "kith_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT";
});

describe("the account's calls", () => {
  it("changes the email with the current password", async () => {
    answering(200, { id: "u", name: "Ada", email: "new@x.io", theme: "system", avatarUrl: null, twoFactor: false });
    await api.updateMe({ name: "Ada", email: "new@x.io", currentPassword: "secret-123" });
    expect(sent()).toMatchObject({
      path: "/api/v1/me",
      method: "PATCH",
      body: { name: "Ada", email: "new@x.io", currentPassword: "secret-123" },
    });
    expect(sent().headers["x-csrf-token"]).toBe("tok");
  });

  it("changes the password and deletes the account with the current password in the body", async () => {
    answering(204);
    await api.changePassword("old-password", "new-password-1");
    await api.deleteAccount("old-password");
    expect(sent(0)).toMatchObject({ path: "/api/v1/me/password", method: "POST", body: { currentPassword: "old-password", newPassword: "new-password-1" } });
    expect(sent(1)).toMatchObject({ path: "/api/v1/me", method: "DELETE", body: { currentPassword: "old-password" } });
  });

  it("uploads the avatar as raw bytes of its own type, not as JSON", async () => {
    answering(204);
    const image = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: "image/png" });
    await api.uploadAvatar(image);
    const request = sent();
    expect(request.path).toBe("/api/v1/me/avatar");
    expect(request.method).toBe("PUT");
    expect(request.headers["content-type"]).toBe("image/png");
    expect(request.body).toBe(image);
    expect(request.headers["x-csrf-token"]).toBe("tok");
  });

  it("reads the sign-ins and says how many sessions ended", async () => {
    answering(200, { endedSessions: 2 });
    await expect(api.logOutOthers()).resolves.toEqual({ endedSessions: 2 });
    expect(sent()).toMatchObject({ path: "/api/v1/auth/logout-others", method: "POST" });
    answering(200, { data: [{ kind: "login", at: "2026-01-01T00:00:00Z", ip: "1.2.3.4", userAgent: "x" }] });
    expect(await api.logins()).toHaveLength(1);
    expect(sent().path).toBe("/api/v1/me/logins?limit=50");
  });
});

describe("the workspace's people", () => {
  it("gives a member a custom role by its id, a built-in one by its name", async () => {
    answering(200, {});
    await api.changeMemberRole("w 1", "u1", { roleId: "r9" });
    await api.changeMemberRole("w 1", "u1", { role: "viewer" });
    expect(sent(0)).toMatchObject({ path: "/api/v1/workspaces/w%201/members/u1", method: "PATCH", body: { roleId: "r9" } });
    expect(sent(1).body).toEqual({ role: "viewer" });
  });

  it("invites, revokes, removes, leaves and transfers at their routes", async () => {
    answering(200, { data: [] });
    await api.invite("w", "a@b.co", "admin");
    await api.revokeInvitation("w", "i1");
    await api.removeMember("w", "u2");
    await api.leaveWorkspace("w");
    await api.transferOwnership("w", "u3");
    expect(sent(0)).toMatchObject({ path: "/api/v1/workspaces/w/invitations", method: "POST", body: { email: "a@b.co", role: "admin" } });
    expect(sent(1)).toMatchObject({ path: "/api/v1/workspaces/w/invitations/i1", method: "DELETE" });
    expect(sent(2)).toMatchObject({ path: "/api/v1/workspaces/w/members/u2", method: "DELETE" });
    expect(sent(3)).toMatchObject({ path: "/api/v1/workspaces/w/leave", method: "POST" });
    expect(sent(4)).toMatchObject({ path: "/api/v1/workspaces/w/transfer-ownership", method: "POST", body: { userId: "u3" } });
  });

  it("sends a custom role's name and permissions", async () => {
    answering(201, {});
    const permissions = {
      default: { read: true, write: false, delete: false },
      objects: { opportunity: { read: true, write: true, delete: false, hiddenFields: ["amount"] } },
      sensitiveInClear: false,
    };
    await api.createRole("w", "Sales", permissions);
    await api.updateRole("w", "r1", "Sales", permissions);
    expect(sent(0)).toMatchObject({ path: "/api/v1/workspaces/w/roles", method: "POST", body: { name: "Sales", permissions } });
    expect(sent(1)).toMatchObject({ path: "/api/v1/workspaces/w/roles/r1", method: "PATCH" });
  });
});

describe("tokens, apps and agents", () => {
  it("creates a token with what was chosen and answers its secret", async () => {
    answering(201, { id: "t1", token: "kith_abc", name: "Zap" });
    const made = await api.createToken("w", { name: "Zap", scopes: ["records:read"], objects: ["people"], roleId: "r1", expiresAt: "2027-01-01T00:00:00.000Z" });
    expect(made.token).toBe("kith_abc");
    expect(sent()).toMatchObject({
      path: "/api/v1/workspaces/w/tokens",
      method: "POST",
      body: { name: "Zap", scopes: ["records:read"], objects: ["people"], roleId: "r1", expiresAt: "2027-01-01T00:00:00.000Z" },
    });
  });

  it("disconnects the person's own app and, as an admin, the workspace's", async () => {
    answering(204);
    await api.disconnectMyApp("g1");
    await api.disconnectWorkspaceApp("w", "g2");
    expect(sent(0)).toMatchObject({ path: "/api/v1/me/connected-apps/g1", method: "DELETE" });
    expect(sent(1)).toMatchObject({ path: "/api/v1/workspaces/w/connected-apps/g2", method: "DELETE" });
  });

  it("pages the audit log by cursor with its filter, and reverts a change set", async () => {
    answering(200, { data: [], nextCursor: null });
    await api.audit("w", { principal: "token:t1", action: "mcp:*", cursor: "c2" });
    const query = new URL(sent().path, "http://x").searchParams;
    expect(Object.fromEntries(query)).toEqual({ limit: "50", principal: "token:t1", action: "mcp:*", cursor: "c2" });
    await api.revertChangeSet("w", "cs1");
    expect(sent(1)).toMatchObject({ path: "/api/v1/workspaces/w/change-sets/cs1/revert", method: "POST" });
  });
});

describe("metadata and the trash", () => {
  it("creates a field in the workspace named by the header", async () => {
    answering(201, { data: { createOneField: { id: "f1", name: "referralCode", label: "Referral code", type: "TEXT" } } });
    const field = await api.createField("w", { objectMetadataId: "o1", name: "referralCode", label: "Referral code", type: "TEXT" });
    expect(field.id).toBe("f1");
    expect(sent()).toMatchObject({ path: "/rest/metadata/fields", method: "POST", body: { objectMetadataId: "o1", name: "referralCode" } });
    expect(sent().headers["x-kith-workspace"]).toBe("w");
  });

  it("hides a field and deletes one", async () => {
    answering(200, {});
    await api.updateField("w", "f1", { isActive: false });
    await api.deleteField("w", "f1");
    expect(sent(0)).toMatchObject({ path: "/rest/metadata/fields/f1", method: "PATCH", body: { isActive: false } });
    expect(sent(1)).toMatchObject({ path: "/rest/metadata/fields/f1", method: "DELETE" });
  });

  it("lists the trash newest deleted first and restores a record", async () => {
    answering(200, { data: { companies: [{ id: "c1" }] }, pageInfo: { endCursor: "c1", hasNextPage: false } });
    const page = await api.trash("w", "companies");
    expect(page.records).toEqual([{ id: "c1" }]);
    const query = new URL(sent().path, "http://x").searchParams;
    expect(query.get("filter")).toBe("deletedAt[is]:NOT_NULL");
    expect(query.get("order_by")).toBe("deletedAt[DescNullsLast]");
    answering(200, { data: { restoreCompany: { id: "c1" } } });
    await expect(api.restoreRecord("w", "companies", "c1")).resolves.toEqual({ id: "c1" });
    expect(sent()).toMatchObject({ path: "/rest/restore/companies/c1", method: "PATCH" });
    expect(sent().headers["x-kith-workspace"]).toBe("w");
  });
});

describe("an OAuth consent", () => {
  const request = { response_type: "code", client_id: "c 1", state: "a&b", code_challenge: "x".repeat(43) };

  it("asks about the request with its parameters in the query, escaped, and no workspace header", async () => {
    answering(200, { client: { id: "c 1", name: "Claude" }, redirectHost: "https://claude.ai", requested: "read", grants: [] });
    const prompt = await api.authorization(request);
    expect(prompt.client.name).toBe("Claude");
    const path = new URL(sent().path, "http://x");
    expect(path.pathname).toBe("/api/v1/oauth/authorization");
    expect(Object.fromEntries(path.searchParams)).toEqual(request);
    expect(sent().method).toBe("GET");
    expect(sent().headers["x-kith-workspace"]).toBeUndefined();
  });

  it("answers with the request, the decision and the CSRF header; a refusal names the field", async () => {
    answering(200, { redirectTo: "https://claude.ai/cb?code=k" });
    const answer = await api.decideAuthorization(request, { decision: "allow", workspaceId: "w1", grant: "write" });
    expect(answer.redirectTo).toBe("https://claude.ai/cb?code=k");
    expect(sent()).toMatchObject({
      path: "/api/v1/oauth/authorization",
      method: "POST",
      body: { request, decision: "allow", workspaceId: "w1", grant: "write" },
    });
    expect(sent().headers["x-csrf-token"]).toBe("tok");
    answering(404, { error: { code: "not_found", message: "workspaceId names no workspace", details: [{ field: "workspaceId", message: "names no workspace" }] } });
    const refused = await api.decideAuthorization(request, { decision: "deny" }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 404, code: "not_found" });
    expect((refused as { forField(f: string): string | undefined }).forField("workspaceId")).toBe("names no workspace");
    expect(sent().body).toEqual({ request, decision: "deny" });
  });
});
