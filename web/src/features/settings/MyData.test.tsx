import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MyData } from "./MyData";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("MyData", () => {
  it("downloads the account's file under the server's name", async () => {
    const fetch = vi.fn(async () => new Response("{}", { status: 200, headers: { "content-disposition": 'attachment; filename="kith-account-2026-12-02.json"' } }));
    vi.stubGlobal("fetch", fetch);
    const clicked = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});
    vi.stubGlobal("URL", { ...URL, createObjectURL: () => "blob:x", revokeObjectURL: () => {} });
    render(<MyData />);
    fireEvent.click(screen.getByRole("button", { name: "Download my data" }));
    await waitFor(() => expect(clicked).toHaveBeenCalled());
    expect((fetch.mock.calls[0] as unknown as [string])[0]).toBe("/api/v1/me/export");
    expect((clicked.mock.contexts[0] as HTMLAnchorElement).download).toBe("kith-account-2026-12-02.json");
  });

  it("says why when the server refuses", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify({ error: { code: "unauthenticated", message: "Sign in again." } }), { status: 401 })));
    render(<MyData />);
    fireEvent.click(screen.getByRole("button", { name: "Download my data" }));
    expect(await screen.findByRole("alert")).toHaveProperty("textContent", "Sign in again.");
  });
});
