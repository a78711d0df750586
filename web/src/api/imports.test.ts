import { afterEach, describe, expect, it, vi } from "vitest";
import { importsApi, isRunning } from "./imports";
import { answering } from "./fetchStub";

afterEach(() => {
  vi.unstubAllGlobals();
  document.cookie = "kith_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT";
});

describe("the import calls", () => {
  it("uploads the file itself, named, with the CSRF token", async () => {
    document.cookie = "kith_csrf=tok";
    const fetch = vi.fn(async () => new Response(JSON.stringify({ data: { id: "i1" }, columns: [], delimiter: "," }), { status: 201 }));
    vi.stubGlobal("fetch", fetch);
    const file = new File(["Name\nAda\n"], "my people.csv", { type: "" });
    const uploaded = await importsApi.upload("ws", "people", file);
    expect(uploaded.data.id).toBe("i1");
    const [path, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(path).toBe("/rest/people/imports?fileName=my+people.csv");
    expect(init.method).toBe("POST");
    const headers = init.headers as Record<string, string>;
    expect(headers["content-type"]).toBe("text/csv");
    expect(headers["x-csrf-token"]).toBe("tok");
    expect(headers["x-kith-workspace"]).toBe("ws");
    expect((init.body as Blob).size).toBe(file.size);
    expect((init.body as Blob).type).toBe("text/csv");
  });

  it("runs with the spec, follows, and reads rows", async () => {
    const spec = { mode: "UPSERT" as const, columns: [{ column: "Name", field: "name" }], stopOnError: false, dryRun: true, formats: { dateOrder: null, decimalComma: false } };
    const ran = answering({ data: { id: "i1", status: "PREVIEWING" } }, 202);
    expect((await importsApi.run("ws", "people", "i1", spec)).status).toBe("PREVIEWING");
    expect(ran()).toMatchObject({ path: "/rest/people/imports/i1/run", method: "POST", body: spec });
    const rows = answering({ data: [{ row: 2, action: "ERROR", reason: "bad" }] });
    expect(await importsApi.rows("ws", "people", "i1", true)).toHaveLength(1);
    expect(rows().path).toBe("/rest/people/imports/i1/rows?limit=200&rejectedOnly=true");
    const undone = answering({ data: {} });
    await importsApi.undo("ws", "people", "i1");
    expect(undone()).toMatchObject({ path: "/rest/people/imports/i1/undo", method: "POST" });
  });

  it("knows which statuses are still running", () => {
    expect(["RUNNING", "PREVIEWING", "CANCELLING"].every((s) => isRunning(s as never))).toBe(true);
    expect(["DONE", "PREVIEWED", "FAILED", "UPLOADED"].some((s) => isRunning(s as never))).toBe(false);
  });
});
