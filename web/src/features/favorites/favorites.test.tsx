import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { Router } from "wouter";
import { memoryLocation } from "wouter/memory-location";
import { ApiError } from "../../api/client";
import type { Favorite, ObjectMeta } from "../../api/kith";
import { Favorites } from "./Favorites";
import { FavoriteStar } from "./FavoriteStar";
import { favoriteHref, findFavorite, planFavoriteMove } from "./favorites";

const { api } = vi.hoisted(() => ({
  api: { favorites: vi.fn(), addFavorite: vi.fn(), removeFavorite: vi.fn(), moveFavorite: vi.fn() },
}));
vi.mock("../../api/kith", () => ({ api }));

const fav = (id: string, label: string, position: number, extra: Partial<Favorite> = {}): Favorite => ({
  id, label, position, recordId: `r-${id}`, viewId: null, objectMetadataId: "oc", objectNameSingular: "company",
  objectNamePlural: "companies", createdAt: "2026-12-01T10:00:00Z", ...extra,
});
const acme = fav("f1", "Acme", 0);
const babbage = fav("f2", "Babbage & Co", 1);
const big = fav("f3", "Big ones", 2, { recordId: null, viewId: "v1" });
const companies = { id: "oc", namePlural: "companies", labelPlural: "Companies", icon: "building-skyscraper" } as ObjectMeta;

describe("favourites, the pure part", () => {
  it("finds the favourite of a record or of a view", () => {
    expect(findFavorite([acme, big], { recordId: "r-f1", objectMetadataId: "oc" })).toBe(acme);
    expect(findFavorite([acme, big], { viewId: "v1" })).toBe(big);
    expect(findFavorite([acme, big], { viewId: "r-f1" })).toBeUndefined();
  });

  it("leads to the record's page, or to the table with the view open", () => {
    expect(favoriteHref("ws", acme)).toBe("/w/ws/companies/r-f1");
    expect(favoriteHref("ws", big)).toBe("/w/ws/companies?v=v1");
  });

  it("places a moved favourite between its new neighbours, or beyond the end", () => {
    const list = [acme, babbage, big];
    expect(planFavoriteMove(list, 2, 0)).toMatchObject({ position: -1 });
    expect(planFavoriteMove(list, 0, 1)?.position).toBe(1.5);
    expect(planFavoriteMove(list, 0, 2)?.position).toBe(3);
    expect(planFavoriteMove(list, 2, 0)?.list.map((f) => f.label)).toEqual(["Big ones", "Acme", "Babbage & Co"]);
    expect(planFavoriteMove(list, 1, 1)).toBeNull();
    expect(planFavoriteMove(list, 0, -1)).toBeNull();
    expect(planFavoriteMove(list, 2, 3)).toBeNull();
  });
});

function renderWith(ui: React.ReactNode, path = "/w/ws/companies") {
  const location = memoryLocation({ path, record: true });
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={queries}>
      <Router hook={location.hook} searchHook={location.searchHook}>
        {ui}
      </Router>
    </QueryClientProvider>,
  );
}

beforeEach(() => {
  vi.stubGlobal("requestAnimationFrame", (run: () => void) => setTimeout(run, 0));
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.clearAllMocks();
});

describe("the sidebar's favourites", () => {
  it("says what to do while there are none", async () => {
    api.favorites.mockResolvedValue([]);
    renderWith(<Favorites workspace="ws" objects={[companies]} />);
    expect(await screen.findByText("Star a record or a view to keep it here.")).toBeTruthy();
  });

  it("lists them in order as links, the open one marked", async () => {
    api.favorites.mockResolvedValue([acme, big]);
    renderWith(<Favorites workspace="ws" objects={[companies]} />, "/w/ws/companies/r-f1");
    const list = await screen.findByRole("list", { name: "Favourites" });
    const links = within(list).getAllByRole("link");
    expect(links.map((a) => a.getAttribute("href"))).toEqual(["/w/ws/companies/r-f1", "/w/ws/companies?v=v1"]);
    expect(links.map((a) => a.textContent)).toEqual(["Acme", "Big ones · Companies"]);
    // Each with its object's icon, a view with the view's.
    expect(links.map((a) => a.querySelector("svg path")?.getAttribute("d")?.slice(0, 8))).toEqual(["M4 21V4h", "M4 6h16M"]);
    expect(links[0]?.getAttribute("aria-current")).toBe("page");
    expect(links[1]?.getAttribute("aria-current")).toBeNull();
  });

  it("moves one with Alt+↑ at once, saving its new position; the old order comes back if refused", async () => {
    api.favorites.mockResolvedValue([acme, babbage, big]);
    let refuse: (error: unknown) => void = () => {};
    api.moveFavorite.mockReturnValue(new Promise((_, reject) => (refuse = reject)));
    renderWith(<Favorites workspace="ws" objects={[companies]} />);
    const list = await screen.findByRole("list", { name: "Favourites" });
    fireEvent.keyDown(within(list).getByRole("link", { name: /Big ones/ }), { key: "ArrowUp", altKey: true });
    await waitFor(() => expect(api.moveFavorite).toHaveBeenCalledWith("ws", "f3", 0.5));
    const labels = () => within(list).getAllByRole("link").map((a) => a.textContent);
    expect(labels()).toEqual(["Acme", "Big ones · Companies", "Babbage & Co"]);
    refuse(new ApiError(404, "not_found", "favorite not found"));
    expect((await screen.findByRole("alert")).textContent).toBe("Not moved. favorite not found");
    await waitFor(() => expect(labels()).toEqual(["Acme", "Babbage & Co", "Big ones · Companies"]));
  });
});

describe("the star", () => {
  it("adds a record to the favourites, then removes it", async () => {
    api.favorites.mockResolvedValueOnce([]).mockResolvedValue([acme]);
    api.addFavorite.mockResolvedValue(acme);
    api.removeFavorite.mockResolvedValue(undefined);
    renderWith(<FavoriteStar workspace="ws" target={{ recordId: "r-f1", objectMetadataId: "oc" }} what="Acme" />);
    const star = await screen.findByRole("button", { name: "Favourite", pressed: false });
    await waitFor(() => expect(star.hasAttribute("disabled")).toBe(false));
    fireEvent.click(star);
    await waitFor(() => expect(api.addFavorite).toHaveBeenCalledWith("ws", { recordId: "r-f1", objectMetadataId: "oc" }));
    await screen.findByRole("button", { name: "Favourite", pressed: true });
    api.favorites.mockResolvedValue([]);
    fireEvent.click(screen.getByRole("button", { name: "Favourite" }));
    await waitFor(() => expect(api.removeFavorite).toHaveBeenCalledWith("ws", "f1"));
    // Off at once, before the server answers.
    await screen.findByRole("button", { name: "Favourite", pressed: false });
  });

  it("says why the server refused", async () => {
    api.favorites.mockResolvedValue([]);
    api.addFavorite.mockRejectedValue(new ApiError(409, "conflict", "recordId cannot be added: 500 favourites is the most one keeps"));
    renderWith(<FavoriteStar workspace="ws" target={{ viewId: "v1" }} what="the view" />);
    const star = await screen.findByRole("button", { name: "Favourite", pressed: false });
    await waitFor(() => expect(star.hasAttribute("disabled")).toBe(false));
    fireEvent.click(star);
    expect((await screen.findByRole("alert")).textContent).toBe("Not saved. recordId cannot be added: 500 favourites is the most one keeps");
    expect(screen.getByRole("button", { name: "Favourite" }).getAttribute("aria-pressed")).toBe("false");
  });
});
