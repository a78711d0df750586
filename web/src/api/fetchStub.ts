// For the API client's tests: a fetch that answers `body`, and what each call sent.

import { vi } from "vitest";

/** Stubs `fetch` to answer `body` as JSON (a 204 when undefined); returns a reader of call `n`. */
export function answering(body: unknown, status = 200) {
  const fetch = vi.fn(async () =>
    body === undefined ? new Response(null, { status: 204 }) : new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } }),
  );
  vi.stubGlobal("fetch", fetch);
  return (call = 0) => {
    const [path, init] = fetch.mock.calls[call] as unknown as [string, RequestInit];
    return { path, method: init.method ?? "GET", headers: init.headers as Record<string, string>, body: init.body ? JSON.parse(String(init.body)) : undefined };
  };
}
