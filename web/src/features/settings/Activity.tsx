import { useState, type FormEvent } from "react";
import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, type AuditQuery, type ChangeSet, type RevertResult } from "../../api/kith";
import { AdminsOnly, Empty, Loading, OutcomeLine, QueryProblem, formatTime, useOutcome } from "./common";
import type { SectionProps } from "./Settings";

/** What API tokens and agents did: their change sets (revertable) and the audit log. */
export function Activity(props: SectionProps) {
  // Shared so a change set's "Its calls" can narrow the audit log to its token.
  const [filter, setFilter] = useState<AuditQuery>({});
  return (
    <AdminsOnly>
      <div className="settings-stack">
        <ChangeSets workspace={props.workspace} showCalls={(principal) => setFilter({ principal })} />
        <AuditLog key={JSON.stringify(filter)} workspace={props.workspace} filter={filter} setFilter={setFilter} />
      </div>
    </AdminsOnly>
  );
}

function ChangeSets({ workspace, showCalls }: { workspace: string; showCalls: (principal: string) => void }) {
  const queries = useQueryClient();
  const outcome = useOutcome();
  const sets = useQuery({ queryKey: ["change-sets", workspace], queryFn: () => api.changeSets(workspace), refetchOnMount: "always" });
  const [result, setResult] = useState<RevertResult | null>(null);

  async function revert(set: ChangeSet) {
    if (!window.confirm(`Revert every change of “${set.label}”? Fields changed since by others are left as they are.`)) return;
    try {
      const answer = await api.revertChangeSet(workspace, set.id);
      setResult(answer);
      outcome.succeeded(revertSummary(answer));
      await queries.invalidateQueries({ queryKey: ["change-sets", workspace] });
      await queries.invalidateQueries({ queryKey: ["records", workspace] });
    } catch (caught) {
      setResult(null);
      outcome.failed(caught);
    }
  }

  return (
    <div className="settings-stack">
      <h3>Change sets</h3>
      <OutcomeLine outcome={outcome} />
      {result && result.conflicts.length > 0 && <Conflicts result={result} />}
      {sets.isPending ? (
        <Loading what="change sets" />
      ) : sets.error ? (
        <QueryProblem error={sets.error} />
      ) : sets.data.length === 0 ? (
        <Empty>No token or agent has written anything yet.</Empty>
      ) : (
        <table className="settings-table">
          <thead>
            <tr>
              <th scope="col">Token</th>
              <th scope="col">Opened</th>
              <th scope="col">Last write</th>
              <th scope="col">State</th>
              <th scope="col"><span className="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {sets.data.map((set) => (
              <tr key={set.id}>
                <td title={set.principal}>{set.label}</td>
                <td>{formatTime(set.openedAt)}</td>
                <td>{formatTime(set.lastWriteAt)}</td>
                <td>{set.revertedAt ? `Reverted ${formatTime(set.revertedAt)}` : "Open"}</td>
                <td className="settings-row-actions">
                  <button type="button" onClick={() => showCalls(set.principal)} aria-label={`Show the calls of ${set.label}`}>
                    Its calls
                  </button>
                  {!set.revertedAt && (
                    <button type="button" onClick={() => void revert(set)} aria-label={`Revert change set of ${set.label} opened ${formatTime(set.openedAt)}`}>
                      Revert
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function revertSummary(result: RevertResult): string {
  const parts = [`Reverted ${result.reverted.length} change${result.reverted.length === 1 ? "" : "s"}.`];
  if (result.conflicts.length) parts.push(`${result.conflicts.length} left as changed since (see below).`);
  if (result.skipped.length) parts.push(`${result.skipped.length} skipped (sensitive fields or merges).`);
  return parts.join(" ");
}

const shown = (value: unknown) => (value === null || value === undefined ? "—" : typeof value === "string" ? value : JSON.stringify(value));

function Conflicts({ result }: { result: RevertResult }) {
  return (
    <div className="settings-card">
      <h4>Left as they are: changed by someone else since</h4>
      <table className="settings-table">
        <thead>
          <tr>
            <th scope="col">Record</th>
            <th scope="col">Field</th>
            <th scope="col">The change set wrote</th>
            <th scope="col">Now</th>
          </tr>
        </thead>
        <tbody>
          {result.conflicts.map((c) => (
            <tr key={`${c.object}/${c.id}/${c.field}`}>
              <td>
                {c.object} <code>{c.id}</code>
              </td>
              <td>{c.field}</td>
              <td>{shown(c.changeSetValue)}</td>
              <td>{shown(c.currentValue)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface AuditProps {
  workspace: string;
  filter: AuditQuery;
  setFilter: (filter: AuditQuery) => void;
}

function AuditLog({ workspace, filter, setFilter }: AuditProps) {
  const audit = useInfiniteQuery({
    queryKey: ["audit", workspace, filter],
    queryFn: ({ pageParam }) => api.audit(workspace, pageParam ? { ...filter, cursor: pageParam } : filter),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    // Agents write while the screen is closed: what it opens on should be now, not cached.
    refetchOnMount: "always",
  });

  function apply(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next: AuditQuery = {};
    const principal = String(form.get("principal") ?? "").trim();
    const action = String(form.get("action") ?? "").trim();
    if (principal) next.principal = principal;
    if (action) next.action = action;
    setFilter(next);
  }

  const entries = audit.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <div className="settings-stack">
      <h3>Audit log</h3>
      <form className="settings-inline" onSubmit={apply} aria-label="Filter the audit log">
        <label className="field">
          <span>Principal</span>
          <input name="principal" placeholder="token:…" autoComplete="off" defaultValue={filter.principal ?? ""} />
        </label>
        <label className="field">
          <span>Action</span>
          <input name="action" placeholder="mcp:* or PATCH /rest/*" autoComplete="off" defaultValue={filter.action ?? ""} />
        </label>
        <button type="submit">Filter</button>
      </form>
      {audit.isPending ? (
        <Loading what="the audit log" />
      ) : audit.error ? (
        <QueryProblem error={audit.error} />
      ) : entries.length === 0 ? (
        <Empty>{filter.principal || filter.action ? "Nothing matches this filter." : "No calls by tokens or agents yet."}</Empty>
      ) : (
        <table className="settings-table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Outcome</th>
              <th scope="col">Took</th>
              <th scope="col">Client</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.id}>
                <td>{formatTime(entry.at)}</td>
                <td title={entry.principal.id}>{entry.principal.name}</td>
                <td>
                  <code>{entry.action}</code>
                </td>
                <td className={entry.outcome === "ok" ? undefined : "problem"}>{entry.outcome}</td>
                <td>{entry.durationMs} ms</td>
                <td className="settings-clip" title={entry.client}>
                  {entry.client}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {audit.hasNextPage && (
        <button type="button" onClick={() => void audit.fetchNextPage()} disabled={audit.isFetchingNextPage}>
          {audit.isFetchingNextPage ? "Loading…" : "Show older"}
        </button>
      )}
    </div>
  );
}
