import { useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { encode } from "uqr";
import { api, type Me } from "../../api/kith";
import { Loading, OutcomeLine, QueryProblem, useMyRole, useOutcome } from "./common";
import type { SectionProps } from "./Settings";

/** Two-factor sign-in for the account, and (owners) requiring it of the workspace's members. */
export function Security({ me, workspace }: SectionProps) {
  const owner = useMyRole() === "owner";
  return (
    <div className="settings-stack">
      <TwoFactor />
      {owner && <WorkspaceRequirement me={me} workspace={workspace} />}
    </div>
  );
}

function TwoFactor() {
  const status = useQuery({ queryKey: ["two-factor"], queryFn: api.twoFactor, refetchOnMount: "always" });
  // Shown once, right after turning it on or renewing them; never fetched again.
  const [codes, setCodes] = useState<ShownCodes | null>(null);
  return (
    <section className="settings-card" aria-labelledby="two-factor-title">
      <h3 id="two-factor-title">Two-factor sign-in</h3>
      <p>
        With it on, signing in takes your password and a 6-digit code from an authenticator app on your phone (any app
        that reads TOTP QR codes). Ten recovery codes let you in if the phone is lost.
      </p>
      {codes ? (
        <RecoveryCodes {...codes} done={() => setCodes(null)} />
      ) : status.isPending ? (
        <Loading what="two-factor sign-in" />
      ) : status.error ? (
        <QueryProblem error={status.error} />
      ) : status.data.enabled ? (
        <TurnedOn left={status.data.recoveryCodesLeft} showCodes={setCodes} />
      ) : (
        <SetUp showCodes={setCodes} />
      )}
    </section>
  );
}

/** Recovery codes just made, and how many other sessions turning two-factor sign-in on ended. */
type ShownCodes = { codes: string[]; endedSessions: number };

function useRefresh() {
  const queries = useQueryClient();
  return async () => {
    await queries.invalidateQueries({ queryKey: ["two-factor"] });
    await queries.invalidateQueries({ queryKey: ["me"] });
  };
}

function passwordOf(event: FormEvent<HTMLFormElement>): string {
  return String(new FormData(event.currentTarget).get("currentPassword") ?? "");
}

/** Password, then the QR code and the first code from the app. */
function SetUp({ showCodes }: { showCodes: (shown: ShownCodes) => void }) {
  const outcome = useOutcome();
  const refresh = useRefresh();
  const [secret, setSecret] = useState<{ secret: string; otpauthUri: string } | null>(null);

  async function start(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    try {
      setSecret(await api.setUpTwoFactor(passwordOf(event)));
    } catch (caught) {
      outcome.failed(caught);
    }
  }

  async function confirm(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const code = String(new FormData(event.currentTarget).get("code") ?? "").trim();
    try {
      const { recoveryCodes, endedSessions } = await api.enableTwoFactor(code);
      await refresh();
      showCodes({ codes: recoveryCodes, endedSessions });
    } catch (caught) {
      outcome.failed(caught);
    }
  }

  if (!secret) {
    return (
      <form onSubmit={start}>
        <p className="muted">Off.</p>
        <label className="field">
          <span>Current password</span>
          <input name="currentPassword" type="password" required autoComplete="current-password" />
        </label>
        <OutcomeLine outcome={outcome} />
        <div className="settings-actions">
          <button type="submit" className="primary">
            Set up two-factor sign-in
          </button>
        </div>
      </form>
    );
  }
  return (
    <form onSubmit={confirm}>
      <p>Scan this code with the authenticator app, or type the key into it. Then enter the code the app shows.</p>
      <QrCode text={secret.otpauthUri} />
      <p>
        Key: <code className="two-factor-key">{secret.secret.replace(/(.{4})/g, "$1 ").trim()}</code>
      </p>
      <label className="field">
        <span>Code from the app</span>
        <input name="code" required inputMode="numeric" autoComplete="one-time-code" pattern="[0-9 ]*" />
      </label>
      <OutcomeLine outcome={outcome} />
      <div className="settings-actions">
        <button type="submit" className="primary">
          Turn on
        </button>
      </div>
    </form>
  );
}

/** A QR code drawn as SVG squares, with the quiet zone scanners need. */
function QrCode({ text }: { text: string }) {
  const { data, size } = encode(text, { ecc: "M", border: 4 });
  const squares = data.flatMap((row, y) =>
    row.map((dark, x) => (dark ? `M${x},${y}h1v1h-1z` : "")).filter(Boolean),
  );
  return (
    <svg className="qr-code" viewBox={`0 0 ${size} ${size}`} width={size * 5} height={size * 5} role="img" aria-label="QR code of the key for the authenticator app" shapeRendering="crispEdges">
      <rect width={size} height={size} fill="#fff" />
      <path d={squares.join("")} fill="#000" />
    </svg>
  );
}

function RecoveryCodes({ codes, endedSessions, done }: ShownCodes & { done: () => void }) {
  function download() {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([`Kith recovery codes (each works once)\n\n${codes.join("\n")}\n`], { type: "text/plain" }));
    link.download = "kith-recovery-codes.txt";
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  }
  return (
    <div>
      <p role="status">
        Two-factor sign-in is on. Keep these recovery codes somewhere safe: each signs you in once without the app, and
        they are not shown again.
      </p>
      {endedSessions > 0 && (
        <p>
          {endedSessions === 1
            ? "The other session that signed in with your password alone was signed out."
            : `The ${endedSessions} other sessions that signed in with your password alone were signed out.`}
        </p>
      )}
      <ul className="recovery-codes" aria-label="Recovery codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <div className="settings-actions">
        <button type="button" onClick={download}>
          Download codes
        </button>
        <button type="button" className="primary" onClick={done}>
          I have saved them
        </button>
      </div>
    </div>
  );
}

function TurnedOn({ left, showCodes }: { left: number; showCodes: (shown: ShownCodes) => void }) {
  const outcome = useOutcome();
  const refresh = useRefresh();
  const [password, setPassword] = useState("");

  async function renew() {
    try {
      const { recoveryCodes } = await api.newRecoveryCodes(password);
      await refresh();
      showCodes({ codes: recoveryCodes, endedSessions: 0 });
    } catch (caught) {
      outcome.failed(caught);
    }
  }

  async function turnOff() {
    if (!window.confirm("Turn off two-factor sign-in? Your password alone will sign you in.")) return;
    if (await outcome.run(() => api.disableTwoFactor(password), "Two-factor sign-in is off.")) await refresh();
  }

  return (
    <form onSubmit={(event) => event.preventDefault()}>
      <p>
        <strong>On.</strong> {left} recovery code{left === 1 ? "" : "s"} left.
      </p>
      <label className="field">
        <span>Current password</span>
        <input
          name="currentPassword"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
      </label>
      <OutcomeLine outcome={outcome} />
      <div className="settings-actions">
        <button type="button" onClick={() => void renew()}>
          New recovery codes
        </button>
        <button type="button" className="danger-button" onClick={() => void turnOff()}>
          Turn off
        </button>
      </div>
    </form>
  );
}

/** Owners: keep members without two-factor sign-in out of the workspace. */
function WorkspaceRequirement({ me, workspace }: { me: Me; workspace: string }) {
  const queries = useQueryClient();
  const outcome = useOutcome();
  const workspaces = useQuery({ queryKey: ["workspaces"], queryFn: api.workspaces });
  const current = workspaces.data?.find((w) => w.id === workspace);
  if (!current) return null;

  async function change(required: boolean) {
    const done = await outcome.run(
      () => api.requireTwoFactor(workspace, required),
      required ? "Members without two-factor sign-in can no longer open this workspace." : "Two-factor sign-in is no longer required.",
    );
    if (done) await queries.invalidateQueries({ queryKey: ["workspaces"] });
  }

  return (
    <section className="settings-card" aria-labelledby="require-two-factor-title">
      <h3 id="require-two-factor-title">Require it in {current.name}</h3>
      <p>
        Members (and their API tokens) without two-factor sign-in are kept out of this workspace until they turn it on.
      </p>
      <label className="settings-check">
        <input
          type="checkbox"
          checked={current.requireTwoFactor}
          disabled={!me.twoFactor && !current.requireTwoFactor}
          onChange={(event) => void change(event.target.checked)}
        />
        Require two-factor sign-in of every member
      </label>
      {!me.twoFactor && !current.requireTwoFactor && <p className="muted">Turn it on for your own account first.</p>}
      <OutcomeLine outcome={outcome} />
    </section>
  );
}
