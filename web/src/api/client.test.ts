import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, csrfToken, parseEvents, request } from "./client";

function answer(status: number, body?: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

afterEach(() => {
  vi.unstubAllGlobals();
  document.cookie = "kith_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT";
});

describe("request", () => {
  it("sends the CSRF cookie's value on changes, not on reads", async () => {
    document.cookie = "kith_csrf=abc%2Bdef";
    const fetch = vi.fn(async () => answer(200, { ok: true }));
    vi.stubGlobal("fetch", fetch);
    await request("/api/v1/me");
    await request("/api/v1/workspaces", { method: "POST", body: { name: "Acme" } });
    const headers = (call: number) => (fetch.mock.calls[call] as unknown as [string, RequestInit])[1].headers as Record<string, string>;
    expect(headers(0)["x-csrf-token"]).toBeUndefined();
    expect(headers(1)["x-csrf-token"]).toBe("abc+def");
    expect(headers(1)["content-type"]).toBe("application/json");
  });

  it("names the workspace for /rest calls", async () => {
    const fetch = vi.fn(async () => answer(200, {}));
    vi.stubGlobal("fetch", fetch);
    await request("/rest/companies", { workspace: "w1" });
    const init = (fetch.mock.calls[0] as unknown as [string, RequestInit])[1];
    expect((init.headers as Record<string, string>)["x-kith-workspace"]).toBe("w1");
  });

  it("turns the server's error shape into an ApiError naming each field", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () =>
        answer(400, {
          error: {
            code: "validation_failed",
            message: "2 fields are wrong",
            details: [
              { field: "email", message: "is not an email address" },
              { field: "password", message: "is too short" },
            ],
          },
        }),
      ),
    );
    const error = await request("/api/v1/auth/signup", { method: "POST", body: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    const refused = error as ApiError;
    expect(refused.status).toBe(400);
    expect(refused.code).toBe("validation_failed");
    expect(refused.forField("password")).toBe("is too short");
    expect(refused.forField("name")).toBeUndefined();
  });

  it("explains an answer that is not JSON and a server that cannot be reached", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response("<html>Bad gateway</html>", { status: 502 })));
    const bad = (await request("/api/v1/me").catch((e: unknown) => e)) as ApiError;
    expect(bad.code).toBe("http_502");
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));
    const offline = (await request("/api/v1/me").catch((e: unknown) => e)) as ApiError;
    expect(offline.status).toBe(0);
    expect(offline.message).toMatch(/cannot be reached/);
  });

  it("answers nothing for 204", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response(null, { status: 204 })));
    await expect(request("/api/v1/auth/logout", { method: "POST" })).resolves.toBeUndefined();
  });
});

describe("csrfToken", () => {
  it("reads the kith_csrf cookie among others", () => {
    expect(csrfToken("a=1; kith_csrf=t%3Dk; b=2")).toBe("t=k");
    expect(csrfToken("a=1")).toBeUndefined();
  });
});

describe("parseEvents", () => {
  it("splits whole events from the incomplete rest, dropping comments", () => {
    const { events, rest } = parseEvents(': keep-alive\n\nevent: ready\ndata: {}\n\nevent: change\nid: e1\ndata: {"a":\ndata: 1}\n\nevent: chan');
    expect(events).toEqual([
      { event: "ready", id: "", data: "{}" },
      { event: "change", id: "e1", data: '{"a":\n1}' },
    ]);
    expect(rest).toBe("event: chan");
  });
});
