import { useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type ApiToken, type CreatedToken, type TokenInput, type TokenScope } from "../../api/kith";
import { AdminsOnly, Empty, Loading, OutcomeLine, QueryProblem, formatTime, useMyRole, useOutcome } from "./common";
import type { SectionProps } from "./Settings";
import { capitalised, roleChoice } from "./Members";

const SCOPES: { scope: TokenScope; label: string }[] = [
  { scope: "records:read", label: "Read records" },
  { scope: "records:write", label: "Change records" },
  { scope: "metadata:write", label: "Change the data model" },
];

/** The workspace's API tokens: made, listed and revoked by its admins. */
export function Tokens(props: SectionProps) {
  return (
    <AdminsOnly>
      <TokenScreen {...props} />
    </AdminsOnly>
  );
}

function TokenScreen({ workspace }: SectionProps) {
  const queries = useQueryClient();
  const outcome = useOutcome();
  const tokens = useQuery({ queryKey: ["tokens", workspace], queryFn: () => api.tokens(workspace) });
  const [creating, setCreating] = useState(false);
  // Held in this component's state only, never in the query cache: closing it forgets it.
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const refresh = () => queries.invalidateQueries({ queryKey: ["tokens", workspace] });

  async function revoke(token: ApiToken) {
    if (!window.confirm(`Revoke the token ${token.name}? Anything using it stops working at once.`)) return;
    if (await outcome.run(() => api.revokeToken(workspace, token.id), `The token ${token.name} was revoked.`)) await refresh();
  }

  return (
    <div className="settings-stack">
      <OutcomeLine outcome={outcome} />
      {created ? (
        <Secret token={created} close={() => setCreated(null)} />
      ) : creating ? (
        <TokenForm
          workspace={workspace}
          cancel={() => setCreating(false)}
          created={async (token) => {
            setCreating(false);
            setCreated(token);
            await refresh();
          }}
        />
      ) : (
        <div className="settings-actions settings-actions-start">
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            + New token
          </button>
        </div>
      )}
      {tokens.isPending ? (
        <Loading what="tokens" />
      ) : tokens.error ? (
        <QueryProblem error={tokens.error} />
      ) : tokens.data.length === 0 ? (
        <Empty>No API tokens yet. Make one to let a script or an agent work with this workspace's records.</Empty>
      ) : (
        <TokenTable tokens={tokens.data} revoke={(t) => void revoke(t)} />
      )}
    </div>
  );
}

function TokenTable({ tokens, revoke }: { tokens: ApiToken[]; revoke: (token: ApiToken) => void }) {
  return (
    <table className="settings-table">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Scopes</th>
          <th scope="col">Objects</th>
          <th scope="col">Role</th>
          <th scope="col">Made by</th>
          <th scope="col">Last used</th>
          <th scope="col">Expires</th>
          <th scope="col"><span className="visually-hidden">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        {tokens.map((token) => (
          <tr key={token.id}>
            <td>{token.name}</td>
            <td>{token.scopes.join(", ")}</td>
            <td>{token.objects?.length ? token.objects.join(", ") : "All"}</td>
            <td>{token.customRole?.name ?? capitalised(token.role ?? "member")}</td>
            <td>{token.createdBy?.name ?? "—"}</td>
            <td>{token.lastUsedAt ? formatTime(token.lastUsedAt) : "Never"}</td>
            <td>{token.expiresAt ? formatTime(token.expiresAt) : "Never"}</td>
            <td className="settings-row-actions">
              <button type="button" className="danger" onClick={() => revoke(token)} aria-label={`Revoke token ${token.name}`}>
                Revoke
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The end of the chosen day in the person's time zone, as the API takes times. */
export function endOfDay(date: string): string {
  return new Date(`${date}T23:59:59`).toISOString();
}

interface FormProps {
  workspace: string;
  cancel: () => void;
  created: (token: CreatedToken) => Promise<void>;
}

function TokenForm({ workspace, cancel, created }: FormProps) {
  const outcome = useOutcome();
  const myRole = useMyRole();
  const objects = useQuery({ queryKey: ["objects", workspace], queryFn: () => api.objects(workspace) });
  const roles = useQuery({ queryKey: ["roles", workspace], queryFn: () => api.roles(workspace) });
  // A token never acts above its creator: only roles up to the person's own are offered.
  const builtIn = (["viewer", "member", "admin", "owner"] as const).slice(0, myRole === "owner" ? 4 : 3);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const input: TokenInput = {
      name: String(form.get("name") ?? "").trim(),
      scopes: form.getAll("scopes").map(String) as TokenScope[],
      ...roleChoice(String(form.get("role") ?? "member")),
    };
    const chosen = form.getAll("objects").map(String);
    if (chosen.length > 0) input.objects = chosen;
    const expires = String(form.get("expiresAt") ?? "");
    if (expires) input.expiresAt = endOfDay(expires);
    if (input.scopes.length === 0) return outcome.failed(new Error("Choose at least one scope."));
    try {
      await created(await api.createToken(workspace, input));
    } catch (caught) {
      outcome.failed(caught);
    }
  }

  return (
    <form className="settings-card" onSubmit={submit} aria-label="New API token">
      <label className="field">
        <span>Token name</span>
        <input name="name" required autoComplete="off" placeholder="Zapier sync" />
      </label>
      <fieldset className="settings-checks">
        <legend>Scopes</legend>
        {SCOPES.map(({ scope, label }) => (
          <label key={scope} className="settings-check">
            <input type="checkbox" name="scopes" value={scope} defaultChecked={scope === "records:read"} />
            {label} <code>{scope}</code>
          </label>
        ))}
      </fieldset>
      <fieldset className="settings-checks">
        <legend>Objects (none chosen: every object)</legend>
        {(objects.data ?? [])
          .filter((o) => o.isActive)
          .map((object) => (
            <label key={object.id} className="settings-check">
              <input type="checkbox" name="objects" value={object.namePlural} />
              {object.labelPlural}
            </label>
          ))}
      </fieldset>
      <div className="settings-inline">
        <label className="field">
          <span>Role</span>
          <select name="role" defaultValue="member">
            {builtIn.map((r) => (
              <option key={r} value={r}>
                {capitalised(r)}
              </option>
            ))}
            {(roles.data ?? [])
              .filter((r) => !r.builtIn)
              .map((r) => (
                <option key={r.id} value={`custom:${r.id}`}>
                  {r.name} (custom)
                </option>
              ))}
          </select>
        </label>
        <label className="field">
          <span>Expires on (optional)</span>
          <input name="expiresAt" type="date" />
        </label>
      </div>
      <OutcomeLine outcome={outcome} />
      <div className="settings-actions">
        <button type="button" onClick={cancel}>
          Cancel
        </button>
        <button type="submit" className="primary">
          Create token
        </button>
      </div>
    </form>
  );
}

/** The new token's secret, this once: the server keeps only its hash. */
function Secret({ token, close }: { token: CreatedToken; close: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);

  async function copy() {
    try {
      await navigator.clipboard.writeText(token.token);
      setCopied("Copied to the clipboard.");
    } catch {
      setCopied("Copying was refused: select the token and copy it by hand.");
    }
  }

  return (
    <section className="settings-card token-secret" aria-labelledby="token-secret-title">
      <h3 id="token-secret-title">Token {token.name} created</h3>
      <p className="warning">
        <strong>Copy it now.</strong> This is the only time the token is shown; Kith keeps no copy it could show again. If it is lost,
        revoke it and make a new one.
      </p>
      <div className="settings-inline">
        <label className="field token-value">
          <span>Token secret</span>
          <input readOnly value={token.token} onFocus={(e) => e.currentTarget.select()} spellCheck={false} />
        </label>
        <button type="button" onClick={() => void copy()}>
          Copy token
        </button>
      </div>
      <p className="settings-status" role="status">
        {copied}
      </p>
      <div className="settings-actions">
        <button type="button" className="primary" onClick={close}>
          Done, I have copied it
        </button>
      </div>
    </section>
  );
}
