import { useState, type FormEvent } from "react";
import { Link, useSearch } from "wouter";
import { api } from "../../api/kith";
import { ApiError } from "../../api/client";
import { Problem } from "../../ui/Problem";

/** Asks for a reset link by email; says the same whether or not the account exists. */
export function ForgotPassword() {
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const email = String(new FormData(event.currentTarget).get("email") ?? "");
    try {
      await api.requestPasswordReset(email);
      setSent(true);
    } catch (caught) {
      setError(caught instanceof ApiError ? (caught.forField("email") ?? caught.message) : String(caught));
    }
  }

  return (
    <main className="auth">
      <form className="card" onSubmit={submit}>
        <h1>Reset your password</h1>
        {sent ? (
          <p role="status">If an account has this address, a link to choose a new password is on its way. It works for an hour.</p>
        ) : (
          <>
            <Problem message={error} />
            <label className="field">
              <span>Email</span>
              <input name="email" type="email" autoComplete="username" required />
            </label>
            <button className="primary" type="submit">
              Send the link
            </button>
          </>
        )}
        <p className="muted">
          <Link href="/login">Back to sign in</Link>
        </p>
      </form>
    </main>
  );
}

/** The page a reset mail links to: choose the new password. */
export function ResetPassword() {
  const token = new URLSearchParams(useSearch()).get("token") ?? "";
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const password = String(new FormData(event.currentTarget).get("password") ?? "");
    try {
      await api.resetPassword(token, password);
      setDone(true);
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 404) setError("This link has expired or was used already. Ask for a new one.");
      else setError(caught instanceof ApiError ? (caught.forField("password") ?? caught.message) : String(caught));
    }
  }

  return (
    <main className="auth">
      <form className="card" onSubmit={submit}>
        <h1>Choose a new password</h1>
        {done ? (
          <p role="status">
            Your password is changed and every session signed out. <Link href="/login">Sign in</Link>
          </p>
        ) : (
          <>
            <Problem message={error} />
            <label className="field">
              <span>New password</span>
              <input name="password" type="password" autoComplete="new-password" required />
            </label>
            <button className="primary" type="submit">
              Change password
            </button>
          </>
        )}
      </form>
    </main>
  );
}
