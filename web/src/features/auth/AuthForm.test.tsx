import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { Router } from "wouter";
import { memoryLocation } from "wouter/memory-location";
import { AuthForm } from "./AuthForm";
import { ApiError } from "../../api/client";

const { api } = vi.hoisted(() => ({ api: { logIn: vi.fn(), signUp: vi.fn(), createWorkspace: vi.fn() } }));
vi.mock("../../api/kith", () => ({ api }));

afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

const consent = "/oauth/consent?client_id=c1&state=a%26b%2541";

function show(mode: "login" | "signup") {
  const location = memoryLocation({ path: `/${mode}?next=${encodeURIComponent(consent)}`, record: true });
  render(
    <QueryClientProvider client={new QueryClient()}>
      <Router hook={location.hook} searchHook={location.searchHook}>
        <AuthForm mode={mode} />
      </Router>
    </QueryClientProvider>,
  );
  return location;
}

describe("Signing in on the way to a consent", () => {
  it("says an app asks to connect, and keeps where to go when switching to sign-up", () => {
    show("login");
    expect(screen.getByText(/An app asks to connect to your Kith workspace/)).toBeTruthy();
    const signup = screen.getByRole("link", { name: "Create an account" });
    expect(signup.getAttribute("href")).toBe(`/signup?next=${encodeURIComponent(consent)}`);
  });

  it("goes back to the consent, its parameters intact, once signed in", async () => {
    api.logIn.mockResolvedValue({});
    const location = show("login");
    fireEvent.change(screen.getByLabelText("Email"), { target: { value: "ada@x.io" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "a long password" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(location.history?.at(-1)).toBe(consent));
    expect(api.logIn).toHaveBeenCalledWith("ada@x.io", "a long password");
  });
});

describe("Signing in with two-factor sign-in on", () => {
  it("asks for the code once the password is right, and sends it with the password", async () => {
    api.logIn.mockRejectedValueOnce(new ApiError(401, "two_factor_required", "enter the code")).mockResolvedValueOnce({});
    const location = show("login");
    expect(screen.queryByLabelText("Two-factor code")).toBeNull();
    fireEvent.change(screen.getByLabelText("Email"), { target: { value: "ada@x.io" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "a long password" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    const code = await screen.findByLabelText("Two-factor code");
    expect(screen.queryByRole("alert")).toBeNull();
    fireEvent.change(code, { target: { value: " 123456 " } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(location.history?.at(-1)).toBe(consent));
    expect(api.logIn).toHaveBeenLastCalledWith("ada@x.io", "a long password", "123456");
  });
});
