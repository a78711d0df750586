import { useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useLocation, useSearch } from "wouter";
import { api, type Me } from "../../api/kith";
import { ApiError } from "../../api/client";
import { Problem } from "../../ui/Problem";

/** The page an invitation mail links to: join (signed in) or create the invited account. */
export function Invite({ me }: { me: Me | undefined }) {
  const token = new URLSearchParams(useSearch()).get("token") ?? "";
  const queries = useQueryClient();
  const [, navigate] = useLocation();
  const [error, setError] = useState<string | null>(null);
  const invitation = useQuery({ queryKey: ["invitation", token], queryFn: () => api.invitation(token), retry: false });

  if (invitation.isPending) return <div className="splash" aria-busy="true" />;
  if (invitation.error) {
    return (
      <main className="auth">
        <div className="card">
          <h1>This invitation cannot be used</h1>
          <p>It has expired, was revoked or was used already. Ask whoever invited you for a new one.</p>
        </div>
      </main>
    );
  }
  const { workspaceName, inviterName, email, role } = invitation.data;

  async function joined(workspaceId: string) {
    await queries.invalidateQueries();
    navigate(`/w/${workspaceId}/companies`);
  }

  async function accept() {
    try {
      await joined((await api.acceptInvitation(token)).id);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : String(caught));
    }
  }

  async function signUp(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    try {
      await api.signUp(String(form.get("name") ?? ""), email, String(form.get("password") ?? ""), token);
      const workspaces = await api.workspaces();
      await joined(workspaces[0]?.id ?? "");
    } catch (caught) {
      setError(caught instanceof ApiError ? (caught.details[0]?.message ?? caught.message) : String(caught));
    }
  }

  return (
    <main className="auth">
      <div className="card">
        <h1>Join {workspaceName}</h1>
        <p>
          {inviterName} invited {email} to {workspaceName} as {role}.
        </p>
        <Problem message={error} />
        {me ? (
          <button className="primary" type="button" onClick={() => void accept()}>
            Join {workspaceName}
          </button>
        ) : (
          <form onSubmit={signUp} className="card-form">
            <label className="field">
              <span>Your name</span>
              <input name="name" autoComplete="name" required />
            </label>
            <label className="field">
              <span>Password</span>
              <input name="password" type="password" autoComplete="new-password" required />
            </label>
            <button className="primary" type="submit">
              Create account and join
            </button>
            <p className="muted">
              Have an account already?{" "}
              <Link href={`/login?next=${encodeURIComponent(`/invite?token=${token}`)}`}>Sign in to join</Link>
            </p>
          </form>
        )}
      </div>
    </main>
  );
}
