import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { ApiError } from "../../api/client";
import type { Me, Role } from "../../api/kith";
import { WorkspaceRole } from "../shell/role";
import { Security } from "./Security";

const { api } = vi.hoisted(() => ({
  api: {
    twoFactor: vi.fn(),
    setUpTwoFactor: vi.fn(),
    enableTwoFactor: vi.fn(),
    newRecoveryCodes: vi.fn(),
    disableTwoFactor: vi.fn(),
    workspaces: vi.fn(),
    requireTwoFactor: vi.fn(),
  },
}));
vi.mock("../../api/kith", () => ({ api }));

const me: Me = { id: "u1", name: "Ada", email: "ada@x.io", theme: "system", avatarUrl: null, twoFactor: false };
const codes = Array.from({ length: 10 }, (_, i) => `abcd${i}-efgh${i}`);

afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

function show(role: Role, account: Me = me) {
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={queries}>
      <WorkspaceRole.Provider value={role}>
        <Security me={account} workspace="w" />
      </WorkspaceRole.Provider>
    </QueryClientProvider>,
  );
}

describe("Turning on two-factor sign-in", () => {
  it("takes the password, shows the QR code and key, and shows the recovery codes once a code confirms it", async () => {
    api.twoFactor.mockResolvedValue({ enabled: false, settingUp: false, recoveryCodesLeft: 0 });
    api.setUpTwoFactor.mockResolvedValue({ secret: "JBSWY3DPEHPK3PXPJBSWY3DP", otpauthUri: "otpauth://totp/Kith:ada%40x.io?secret=JBSWY3DPEHPK3PXPJBSWY3DP&issuer=Kith" });
    api.enableTwoFactor.mockRejectedValueOnce(new ApiError(403, "forbidden", "code is not the code the app shows now")).mockResolvedValueOnce({ recoveryCodes: codes, endedSessions: 2 });
    show("member");
    fireEvent.change(await screen.findByLabelText("Current password"), { target: { value: "pw" } });
    fireEvent.click(screen.getByRole("button", { name: "Set up two-factor sign-in" }));
    expect(await screen.findByRole("img", { name: /QR code/ })).toBeTruthy();
    expect(api.setUpTwoFactor).toHaveBeenCalledWith("pw");
    expect(screen.getByText("JBSW Y3DP EHPK 3PXP JBSW Y3DP")).toBeTruthy();

    fireEvent.change(screen.getByLabelText("Code from the app"), { target: { value: "111111" } });
    fireEvent.click(screen.getByRole("button", { name: "Turn on" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/not the code the app shows/);

    fireEvent.change(screen.getByLabelText("Code from the app"), { target: { value: " 123456 " } });
    fireEvent.click(screen.getByRole("button", { name: "Turn on" }));
    const list = await screen.findByRole("list", { name: "Recovery codes" });
    expect(api.enableTwoFactor).toHaveBeenLastCalledWith("123456");
    expect(list.querySelectorAll("li")).toHaveLength(10);
    expect(list.textContent).toContain("abcd9-efgh9");
    expect(screen.getByText("The 2 other sessions that signed in with your password alone were signed out.")).toBeTruthy();
  });

  it("once on, says how many recovery codes are left and turns off with the password", async () => {
    api.twoFactor.mockResolvedValue({ enabled: true, settingUp: false, recoveryCodesLeft: 1 });
    api.disableTwoFactor.mockRejectedValue(new ApiError(409, "conflict", 'two-factor sign-in stays on while "Acme" requires it'));
    vi.spyOn(window, "confirm").mockReturnValue(true);
    show("member", { ...me, twoFactor: true });
    expect(await screen.findByText(/1 recovery code left/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Current password"), { target: { value: "pw" } });
    fireEvent.click(screen.getByRole("button", { name: "Turn off" }));
    await waitFor(() => expect(api.disableTwoFactor).toHaveBeenCalledWith("pw"));
    expect((await screen.findByRole("alert")).textContent).toContain('"Acme" requires it');
  });
});

describe("Requiring two-factor sign-in of a workspace", () => {
  it("is offered to owners only, and only once their own account has it", async () => {
    api.twoFactor.mockResolvedValue({ enabled: false, settingUp: false, recoveryCodesLeft: 0 });
    api.workspaces.mockResolvedValue([{ id: "w", name: "Acme", role: "owner", requireTwoFactor: false }]);
    show("owner");
    const box = await screen.findByRole("checkbox", { name: /Require two-factor sign-in/ });
    expect((box as HTMLInputElement).disabled).toBe(true);
    expect(screen.getByText("Turn it on for your own account first.")).toBeTruthy();
    cleanup();

    api.requireTwoFactor.mockResolvedValue({ id: "w", name: "Acme", role: "owner", requireTwoFactor: true });
    show("owner", { ...me, twoFactor: true });
    fireEvent.click(await screen.findByRole("checkbox", { name: /Require two-factor sign-in/ }));
    await waitFor(() => expect(api.requireTwoFactor).toHaveBeenCalledWith("w", true));
    expect(await screen.findByText(/can no longer open this workspace/)).toBeTruthy();
    cleanup();

    show("admin", { ...me, twoFactor: true });
    await screen.findByText(/Ten recovery codes/);
    expect(screen.queryByRole("checkbox")).toBeNull();
  });
});
