import { useQuery } from "@tanstack/react-query";
import { api, type Login } from "../../api/kith";
import { Empty, Loading, OutcomeLine, QueryProblem, formatTime, useOutcome } from "./common";

const KINDS: Record<string, string> = {
  signup: "Signed up",
  login: "Signed in",
  login_failed: "Failed sign-in",
  password_changed: "Password changed",
  two_factor_enabled: "Two-factor sign-in turned on",
  two_factor_disabled: "Two-factor sign-in turned off",
  two_factor_failed: "Wrong two-factor code",
};

/** The account's recent sign-ins, and ending every other session. */
export function Sessions() {
  const logins = useQuery({ queryKey: ["logins"], queryFn: api.logins, refetchOnMount: "always" });
  const outcome = useOutcome();

  async function signOutOthers() {
    try {
      const { endedSessions } = await api.logOutOthers();
      outcome.succeeded(
        endedSessions === 0 ? "No other session was open." : `Signed out ${endedSessions} other session${endedSessions === 1 ? "" : "s"}.`,
      );
    } catch (caught) {
      outcome.failed(caught);
    }
  }

  return (
    <div className="settings-stack">
      <div className="settings-card">
        <p className="muted">Signed in on another device you no longer use? End every session but this one.</p>
        <div className="settings-actions">
          <button type="button" onClick={() => void signOutOthers()}>
            Sign out other sessions
          </button>
        </div>
        <OutcomeLine outcome={outcome} />
      </div>
      <h3>Recent sign-ins</h3>
      {logins.isPending ? (
        <Loading what="sign-ins" />
      ) : logins.error ? (
        <QueryProblem error={logins.error} />
      ) : logins.data.length === 0 ? (
        <Empty>No sign-ins in the last 90 days.</Empty>
      ) : (
        <LoginTable logins={logins.data} />
      )}
    </div>
  );
}

function LoginTable({ logins }: { logins: Login[] }) {
  return (
    <table className="settings-table">
      <thead>
        <tr>
          <th scope="col">What</th>
          <th scope="col">When</th>
          <th scope="col">IP address</th>
          <th scope="col">Browser</th>
        </tr>
      </thead>
      <tbody>
        {logins.map((login, index) => (
          <tr key={`${login.at}-${index}`} className={login.kind === "login_failed" || login.kind === "two_factor_failed" ? "problem" : undefined}>
            <td>{KINDS[login.kind] ?? login.kind}</td>
            <td>{formatTime(login.at)}</td>
            <td>{login.ip ?? "—"}</td>
            <td className="settings-clip" title={login.userAgent ?? undefined}>
              {login.userAgent ?? "—"}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
