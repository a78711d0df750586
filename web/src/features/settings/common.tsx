// Small pieces every settings section shares: how a refusal reads, loading and empty text,
// the success line, and what the person's role lets a section offer.

import { useContext, useState, type ReactNode } from "react";
import { ApiError } from "../../api/client";
import type { Role } from "../../api/kith";
import { WorkspaceRole } from "../shell/role";
import { Problem } from "../../ui/Problem";

/** The server's explanation when there is one, else the error's own text. */
export function problemText(caught: unknown): string {
  if (caught instanceof ApiError) {
    // Details the message does not already say (it often names the one wrong field itself).
    const extra = caught.details.filter((d) => !caught.message.includes(d.message));
    return extra.length ? `${caught.message} (${extra.map((d) => `${d.field}: ${d.message}`).join("; ")})` : caught.message;
  }
  return caught instanceof Error ? caught.message : String(caught);
}

/** A section's outcome line: a success (`role="status"`) or a refusal (`role="alert"`). */
export function useOutcome() {
  const [status, setStatus] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const succeeded = (message: string) => {
    setProblem(null);
    setStatus(message);
  };
  const failed = (caught: unknown) => {
    setStatus(null);
    setProblem(problemText(caught));
  };
  /** Runs a change, reporting how it went; answers whether it succeeded. */
  const run = async (change: () => Promise<unknown>, success: string): Promise<boolean> => {
    try {
      await change();
      succeeded(success);
      return true;
    } catch (caught) {
      failed(caught);
      return false;
    }
  };
  return { status, problem, succeeded, failed, run };
}

export type Outcome = ReturnType<typeof useOutcome>;

export function OutcomeLine({ outcome }: { outcome: Outcome }) {
  return (
    <>
      {/* Both regions stay in the page so screen readers announce a change in them. */}
      <p className="settings-status" role="status">
        {outcome.status}
      </p>
      <Problem message={outcome.problem} />
    </>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" aria-busy="true">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty settings-empty">{children}</p>;
}

export function QueryProblem({ error }: { error: Error }) {
  return <Problem message={error.message} />;
}

const RANK: Record<Role, number> = { owner: 3, admin: 2, member: 1, viewer: 0 };

/** Whether the person's role in the open workspace is at least `least`. */
export function useRoleAtLeast(least: Role): boolean {
  return RANK[useContext(WorkspaceRole)] >= RANK[least];
}

export function useMyRole(): Role {
  return useContext(WorkspaceRole);
}

/** Times in the person's locale and time zone. */
export function formatTime(at: string | null | undefined): string {
  if (!at) return "—";
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? at : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** For sections only admins may open: says so instead of a screen of refusals. */
export function AdminsOnly({ children }: { children: ReactNode }) {
  const admin = useRoleAtLeast("admin");
  if (!admin) return <Empty>Only the workspace's owners and admins can see this. Ask one of them if you need it.</Empty>;
  return <>{children}</>;
}
