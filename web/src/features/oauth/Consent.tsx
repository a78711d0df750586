import { useEffect, useMemo, useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "wouter";
import {
  api,
  type AuthorizationDecision,
  type AuthorizationPrompt,
  type AuthorizationRequest,
  type GrantName,
  type Me,
  type Workspace,
} from "../../api/kith";
import { ApiError } from "../../api/client";
import { applyTheme } from "../../ui/theme";
import { useRawSearch } from "../../ui/rawSearch";
import { Problem } from "../../ui/Problem";

interface Props {
  me: Me;
  /** Leaves Kith for the client's redirect URI (a full navigation; replaced in tests). */
  go?: (url: string) => void;
}

/** The parameters of the consent screen's address: `/oauth/authorize` sent them on. */
export function requestOf(search: string): AuthorizationRequest {
  return Object.fromEntries(new URLSearchParams(search));
}

/** `/oauth/consent`: an OAuth client (an MCP agent) asks to work in one of the person's
 *  workspaces; they choose which, and what it may do, or deny it. */
export function Consent({ me, go = (url) => window.location.assign(url) }: Props) {
  useEffect(() => applyTheme(me.theme), [me.theme]);
  const search = useRawSearch();
  const request = useMemo(() => requestOf(search), [search]);
  const prompt = useQuery({
    queryKey: ["oauth-authorization", search],
    queryFn: () => api.authorization(request),
    retry: false,
  });
  const workspaces = useQuery({ queryKey: ["workspaces"], queryFn: api.workspaces });

  if (prompt.isPending || workspaces.isPending) return <Loading />;
  if (prompt.error) return <Refused error={prompt.error} />;
  if (workspaces.error) return <Refused error={workspaces.error} />;
  return <ConsentForm me={me} request={request} prompt={prompt.data} workspaces={workspaces.data} go={go} />;
}

function Loading() {
  return (
    <main className="auth">
      <div className="card" aria-busy="true" aria-label="Loading the app's request">
        <span className="skeleton consent-skeleton-title" />
        <span className="skeleton" />
        <span className="skeleton consent-skeleton-short" />
      </div>
    </main>
  );
}

/** A request that cannot go on: the server's reason, and no way back to the client. */
function Refused({ error }: { error: Error }) {
  return (
    <main className="auth">
      <div className="card">
        <h1>This connection cannot go on</h1>
        <p className="problem" role="alert">
          {error.message}
        </p>
        <p className="muted">Nothing was shared. Go back to the app and connect again, or ask its maker for help.</p>
        <p className="muted">
          <Link href="/">Open Kith</Link>
        </p>
      </div>
    </main>
  );
}

interface FormProps {
  me: Me;
  request: AuthorizationRequest;
  prompt: AuthorizationPrompt;
  workspaces: Workspace[];
  go: (url: string) => void;
}

function ConsentForm({ me, request, prompt, workspaces, go }: FormProps) {
  const queries = useQueryClient();
  const [workspace, setWorkspace] = useState(workspaces[0]?.id ?? "");
  const [grant, setGrant] = useState<GrantName>(prompt.requested);
  const [busy, setBusy] = useState<"allow" | "deny" | "left" | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const client = prompt.client.name;

  async function decide(decision: AuthorizationDecision) {
    setBusy(decision.decision);
    setProblem(null);
    try {
      const { redirectTo } = await api.decideAuthorization(request, decision);
      setBusy("left");
      go(redirectTo);
    } catch (caught) {
      setProblem(caught instanceof ApiError ? (caught.details[0]?.message ?? caught.message) : String(caught));
      setBusy(null);
    }
  }

  function allow(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void decide({ decision: "allow", workspaceId: workspace, grant });
  }

  async function switchAccount() {
    await api.logOut();
    await queries.invalidateQueries();
  }

  const none = workspaces.length === 0;
  return (
    <main className="auth">
      <form className="card consent" onSubmit={allow} aria-labelledby="consent-title">
        <h1 id="consent-title">Connect {client} to Kith</h1>
        <p>
          {client} will act as you, {me.email}, within what you allow here and never beyond your own role. You can
          disconnect it at any time in Settings.
        </p>
        <p className="muted">
          After you answer, you go back to <strong>{prompt.redirectHost}</strong>.{" "}
          <button type="button" className="link" onClick={() => void switchAccount()}>
            Not {me.email}?
          </button>
        </p>
        {none ? (
          <p className="settings-empty">
            You are not a member of any workspace yet, so there is nothing to connect {client} to.{" "}
            <Link href="/">Create a workspace</Link>, then connect again from the app.
          </p>
        ) : (
          <>
            <label className="field">
              <span>Workspace</span>
              <select value={workspace} onChange={(event) => setWorkspace(event.target.value)}>
                {workspaces.map((w) => (
                  <option key={w.id} value={w.id}>
                    {w.name} ({w.role})
                  </option>
                ))}
              </select>
            </label>
            <fieldset className="consent-grants">
              <legend>{client} may</legend>
              {prompt.grants.map((choice) => (
                <label key={choice.name} className="consent-grant">
                  <input
                    type="radio"
                    name="grant"
                    value={choice.name}
                    checked={grant === choice.name}
                    onChange={() => setGrant(choice.name)}
                  />
                  <span>
                    {choice.description}
                    {choice.name === prompt.requested && <span className="muted"> (asked for)</span>}
                  </span>
                </label>
              ))}
            </fieldset>
          </>
        )}
        <Problem message={problem} />
        {busy === "left" && (
          <p role="status" className="muted">
            Sending you back to {prompt.redirectHost}…
          </p>
        )}
        <div className="consent-actions">
          {!none && (
            <button type="submit" className="primary" disabled={busy !== null}>
              Allow
            </button>
          )}
          <button type="button" disabled={busy !== null} onClick={() => void decide({ decision: "deny" })}>
            Deny
          </button>
        </div>
      </form>
    </main>
  );
}
