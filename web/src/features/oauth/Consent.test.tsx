import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { Router } from "wouter";
import { memoryLocation } from "wouter/memory-location";
import { ApiError } from "../../api/client";
import type { AuthorizationPrompt, Me } from "../../api/kith";
import { Consent, requestOf } from "./Consent";

const { api } = vi.hoisted(() => ({
  api: { authorization: vi.fn(), decideAuthorization: vi.fn(), workspaces: vi.fn(), logOut: vi.fn() },
}));
vi.mock("../../api/kith", () => ({ api }));

const me: Me = { id: "u1", name: "Ada", email: "ada@x.io", theme: "dark", avatarUrl: null, twoFactor: false };
const search = "response_type=code&client_id=c1&redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2Fcb&state=a%26b%2541";
const asked: AuthorizationPrompt = {
  client: { id: "c1", name: "Claude <Desktop>" },
  redirectHost: "http://127.0.0.1",
  requested: "write",
  grants: [
    { name: "read", description: "Read records", scopes: ["records:read"] },
    { name: "write", description: "Read and change records", scopes: ["records:read", "records:write"] },
    { name: "schema", description: "Read and change records, and change the data model", scopes: ["records:read", "records:write", "metadata:write"] },
  ],
};

beforeEach(() => {
  api.authorization.mockResolvedValue(asked);
  api.workspaces.mockResolvedValue([
    { id: "w1", name: "Acme", role: "owner" },
    { id: "w2", name: "Globex", role: "viewer" },
  ]);
});
afterEach(() => {
  cleanup();
  vi.clearAllMocks();
  document.documentElement.removeAttribute("data-theme");
});

function show() {
  const go = vi.fn();
  const location = memoryLocation({ path: `/oauth/consent?${search}` });
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={queries}>
      <Router hook={location.hook} searchHook={location.searchHook}>
        <Consent me={me} go={go} />
      </Router>
    </QueryClientProvider>,
  );
  return go;
}

const request = {
  response_type: "code",
  client_id: "c1",
  redirect_uri: "http://127.0.0.1:5000/cb",
  state: "a&b%41",
};

describe("The consent screen", () => {
  it("reads the authorization request from its address, every parameter as sent, % included", () => {
    expect(requestOf(search)).toEqual(request);
  });

  it("names the app as text, where the answer goes and what it asks, in the person's theme", async () => {
    show();
    expect(await screen.findByRole("heading", { name: "Connect Claude <Desktop> to Kith" })).toBeTruthy();
    expect(api.authorization).toHaveBeenCalledWith(request);
    expect(screen.getByText("http://127.0.0.1")).toBeTruthy();
    expect(screen.getByText(/will act as you, ada@x\.io/)).toBeTruthy();
    expect((screen.getByLabelText(/Read and change records \(asked for\)/) as HTMLInputElement).checked).toBe(true);
    expect((screen.getByLabelText("Read records") as HTMLInputElement).checked).toBe(false);
    expect((screen.getByLabelText("Workspace") as HTMLSelectElement).value).toBe("w1");
    expect(screen.getByRole("option", { name: "Globex (viewer)" })).toBeTruthy();
    expect(document.documentElement.dataset.theme).toBe("dark");
  });

  it("allows in the workspace and grant chosen, then leaves for where the server says", async () => {
    api.decideAuthorization.mockResolvedValue({ redirectTo: "http://127.0.0.1:5000/cb?code=xyz&state=a%26b" });
    const go = show();
    fireEvent.change(await screen.findByLabelText("Workspace"), { target: { value: "w2" } });
    fireEvent.click(screen.getByLabelText("Read records"));
    fireEvent.click(screen.getByRole("button", { name: "Allow" }));
    await waitFor(() => expect(go).toHaveBeenCalledWith("http://127.0.0.1:5000/cb?code=xyz&state=a%26b"));
    expect(api.decideAuthorization).toHaveBeenCalledWith(request, { decision: "allow", workspaceId: "w2", grant: "read" });
    expect(screen.getByRole("status").textContent).toContain("Sending you back to http://127.0.0.1");
    expect((screen.getByRole("button", { name: "Deny" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("denies without a workspace or grant", async () => {
    api.decideAuthorization.mockResolvedValue({ redirectTo: "http://127.0.0.1:5000/cb?error=access_denied" });
    const go = show();
    fireEvent.click(await screen.findByRole("button", { name: "Deny" }));
    await waitFor(() => expect(go).toHaveBeenCalledWith("http://127.0.0.1:5000/cb?error=access_denied"));
    expect(api.decideAuthorization).toHaveBeenCalledWith(request, { decision: "deny" });
  });

  it("shows the server's refusal of an answer and stays, ready to answer again", async () => {
    api.decideAuthorization.mockRejectedValue(
      new ApiError(404, "not_found", "workspaceId names no workspace you are a member of", [
        { field: "workspaceId", message: "names no workspace you are a member of" },
      ]),
    );
    const go = show();
    fireEvent.click(await screen.findByRole("button", { name: "Allow" }));
    expect((await screen.findByRole("alert")).textContent).toBe("names no workspace you are a member of");
    expect(go).not.toHaveBeenCalled();
    expect((screen.getByRole("button", { name: "Allow" }) as HTMLButtonElement).disabled).toBe(false);
  });

  it("explains a request that cannot go on, and offers no way back to the app", async () => {
    api.authorization.mockRejectedValue(
      new ApiError(409, "conflict", "redirect_uri is not an address the app registered: Kith will not send you there"),
    );
    show();
    expect(await screen.findByRole("heading", { name: "This connection cannot go on" })).toBeTruthy();
    expect(screen.getByRole("alert").textContent).toContain("Kith will not send you there");
    expect(screen.queryByRole("button", { name: "Allow" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Deny" })).toBeNull();
  });

  it("says what to do with no workspace, and can still deny", async () => {
    api.workspaces.mockResolvedValue([]);
    show();
    expect(await screen.findByText(/not a member of any workspace yet/)).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Allow" })).toBeNull();
    expect(screen.getByRole("button", { name: "Deny" })).toBeTruthy();
  });

  it("shows a skeleton while the request is checked", () => {
    api.authorization.mockReturnValue(new Promise(() => {}));
    show();
    expect(screen.getByLabelText("Loading the app's request").getAttribute("aria-busy")).toBe("true");
  });
});
