import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "./client";
import { api } from "./kith";
import { answering } from "./fetchStub";

afterEach(() => {
  vi.unstubAllGlobals();
  document.cookie = "kith_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT";
});

const acme = {
  id: "f1", position: 0, recordId: "c1", viewId: null, objectMetadataId: "o1", objectNameSingular: "company",
  objectNamePlural: "companies", label: "Acme", createdAt: "2026-12-01T10:00:00Z",
};

describe("the favourites' calls", () => {
  it("lists the caller's favourites in the workspace", async () => {
    const sent = answering({ data: { favorites: [acme] } });
    expect(await api.favorites("w 1")).toEqual([acme]);
    expect(sent()).toMatchObject({ path: "/rest/metadata/favorites", method: "GET" });
    expect(sent().headers["x-kith-workspace"]).toBe("w 1");
  });

  it("adds a record or a view, with the CSRF token, a position only when given", async () => {
    document.cookie = "kith_csrf=tok";
    const record = answering({ data: { createOneFavorite: acme } }, 201);
    expect(await api.addFavorite("ws", { recordId: "c1", objectMetadataId: "o1" })).toEqual(acme);
    expect(record()).toMatchObject({ path: "/rest/metadata/favorites", method: "POST", body: { recordId: "c1", objectMetadataId: "o1" } });
    expect(record().body).not.toHaveProperty("position");
    expect(record().headers["x-csrf-token"]).toBe("tok");
    const view = answering({ data: { createOneFavorite: { ...acme, recordId: null, viewId: "v1" } } }, 201);
    await api.addFavorite("ws", { viewId: "v1" }, 2.5);
    expect(view().body).toEqual({ viewId: "v1", position: 2.5 });
  });

  it("moves one by its position and removes one", async () => {
    const moved = answering({ data: { updateOneFavorite: { ...acme, position: -1 } } });
    expect((await api.moveFavorite("ws", "f/1", -1)).position).toBe(-1);
    expect(moved()).toMatchObject({ path: "/rest/metadata/favorites/f%2F1", method: "PATCH", body: { position: -1 } });
    const removed = answering({ data: { deleteOneFavorite: { id: "f1" } } });
    await api.removeFavorite("ws", "f1");
    expect(removed()).toMatchObject({ path: "/rest/metadata/favorites/f1", method: "DELETE" });
  });

  it("gives the server's refusal with the key it names", async () => {
    answering({ error: { code: "conflict", message: "recordId is a favourite already", details: [{ field: "recordId", message: "is a favourite already" }] } }, 409);
    const refused = await api.addFavorite("ws", { recordId: "c1", objectMetadataId: "o1" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).status).toBe(409);
    expect((refused as ApiError).details[0]?.field).toBe("recordId");
  });
});
