import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "./kith";
import { answering } from "./fetchStub";

afterEach(() => {
  vi.unstubAllGlobals();
  document.cookie = "kith_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT";
});

describe("the record page's calls", () => {
  it("reads a record with its relations embedded", async () => {
    const sent = answering({ data: { person: { id: "p1", company: { id: "c1" } } } });
    expect(await api.recordDeep("ws", "people", "p1")).toEqual({ id: "p1", company: { id: "c1" } });
    expect(sent()).toMatchObject({ path: "/rest/people/p1?depth=1", method: "GET" });
    expect(sent().headers["x-kith-workspace"]).toBe("ws");
  });

  it("deletes to the trash and restores, with the CSRF token", async () => {
    document.cookie = "kith_csrf=tok";
    const sent = answering({ data: { deleteTask: { id: "t1" } } });
    await api.deleteRecord("ws", "tasks", "t1");
    expect(sent()).toMatchObject({ path: "/rest/tasks/t1", method: "DELETE" });
    expect(sent().headers["x-csrf-token"]).toBe("tok");
    const restored = answering({ data: { restoreTask: { id: "t1", title: "Call" } } });
    expect(await api.restoreRecord("ws", "tasks", "t1")).toEqual({ id: "t1", title: "Call" });
    expect(restored()).toMatchObject({ path: "/rest/restore/tasks/t1", method: "PATCH" });
  });

  it("lists what is linked to a record and links a new one", async () => {
    const listed = answering({ data: { notes: [{ id: "n1" }] } });
    expect(await api.linked("ws", "companies", "c1", "notes")).toEqual([{ id: "n1" }]);
    expect(listed()).toMatchObject({ path: "/rest/companies/c1/notes", method: "GET" });
    const linked = answering({ data: { targets: [] } }, 201);
    await api.link("ws", "tasks", "t1", { targetObject: "company", targetId: "c1" });
    expect(linked()).toMatchObject({ path: "/rest/tasks/t1/targets", method: "POST", body: { targetObject: "company", targetId: "c1" } });
    expect(linked().headers["content-type"]).toBe("application/json");
  });

  it("searches some objects only, and lists the workspace's members", async () => {
    const searched = answering({ data: { search: [{ objectNameSingular: "company", recordId: "c1", label: "Acme" }] } });
    expect(await api.searchIn("ws", "ac me", ["companies"])).toHaveLength(1);
    const url = new URL(searched().path, "http://x");
    expect(url.pathname).toBe("/rest/search");
    expect(Object.fromEntries(url.searchParams)).toEqual({ q: "ac me", objects: "companies", limit: "20" });
    const members = answering({ data: [{ userId: "u1", name: "Ada" }] });
    expect(await api.members("w 1")).toEqual([{ userId: "u1", name: "Ada" }]);
    expect(members()).toMatchObject({ path: "/api/v1/workspaces/w%201/members", method: "GET" });
  });

  it("exports the table's view as a file, named as the server names it", async () => {
    const fetch = vi.fn(async () => new Response("id,name\r\n", { status: 200, headers: { "content-disposition": 'attachment; filename="companies-2026-12-02.csv"' } }));
    vi.stubGlobal("fetch", fetch);
    const file = await api.exportRecords("ws", "companies", { filter: "name[like]:%Ac%", orderBy: "name[AscNullsFirst]", fields: ["name", "employees"] });
    expect(file.filename).toBe("companies-2026-12-02.csv");
    expect(await file.blob.text()).toBe("id,name\r\n");
    const [path, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    const query = new URLSearchParams(path.split("?")[1]);
    expect(path.startsWith("/rest/companies/export?")).toBe(true);
    expect(Object.fromEntries(query)).toEqual({ format: "csv", filter: "name[like]:%Ac%", order_by: "name[AscNullsFirst]", fields: "name,employees" });
    expect((init.headers as Record<string, string>)["x-kith-workspace"]).toBe("ws");
  });

  it("turns a refused export into the server's message", async () => {
    answering({ error: { code: "validation_failed", message: "fields: unicorn is not a field of company", details: [{ field: "fields", message: "unicorn is not a field of company" }] } }, 400);
    await expect(api.exportRecords("ws", "companies", { fields: ["unicorn"] })).rejects.toMatchObject({ status: 400, code: "validation_failed" });
  });
});
