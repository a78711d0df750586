import { useState, type FormEvent } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { Link, useLocation } from "wouter";
import { api } from "../../api/kith";
import { ApiError } from "../../api/client";
import { useRawSearch } from "../../ui/rawSearch";

interface Props {
  mode: "login" | "signup";
}

/** Sign in, or create an account (the first one creates its workspace and lands in it). */
export function AuthForm({ mode }: Props) {
  const queries = useQueryClient();
  const [, navigate] = useLocation();
  const next = new URLSearchParams(useRawSearch()).get("next");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  // Set once the server says the password was right and the account also needs its code.
  const [askCode, setAskCode] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const field = (name: string) => String(form.get(name) ?? "");
    setBusy(true);
    setError(null);
    try {
      if (mode === "signup") {
        await api.signUp(field("name"), field("email"), field("password"));
        await api.createWorkspace(field("workspace") || `${field("name")}'s workspace`);
      } else {
        const [email, password] = [field("email"), field("password")];
        await (askCode ? api.logIn(email, password, field("code").trim()) : api.logIn(email, password));
      }
      await queries.invalidateQueries();
      navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : "/");
    } catch (caught) {
      if (caught instanceof ApiError && caught.code === "two_factor_required") {
        setAskCode(true);
        setError(null);
        return;
      }
      setError(caught instanceof ApiError ? caught : new ApiError(0, "unknown", String(caught)));
    } finally {
      setBusy(false);
    }
  }

  const signup = mode === "signup";
  // Between signing in and signing up, where to go afterwards is kept.
  const onward = next ? `?next=${encodeURIComponent(next)}` : "";
  return (
    <main className="auth">
      <form className="card" onSubmit={submit} aria-labelledby="auth-title" noValidate>
        <h1 id="auth-title">{signup ? "Create your Kith account" : "Sign in to Kith"}</h1>
        {next?.startsWith("/oauth/consent?") && (
          <p className="muted">An app asks to connect to your Kith workspace. Sign in first; you choose what it may do next.</p>
        )}
        {error && !error.details.length && (
          <p className="problem" role="alert">
            {error.message}
          </p>
        )}
        {signup && <Field name="name" label="Your name" autoComplete="name" error={error} />}
        <Field name="email" label="Email" type="email" autoComplete="username" error={error} />
        <Field
          name="password"
          label="Password"
          type="password"
          autoComplete={signup ? "new-password" : "current-password"}
          error={error}
        />
        {signup && <Field name="workspace" label="Workspace name" autoComplete="organization" error={error} required={false} />}
        {askCode && (
          <>
            <p className="muted" role="status">
              Two-factor sign-in is on for this account: enter the 6-digit code your authenticator app shows, or one of your recovery codes.
            </p>
            <Field name="code" label="Two-factor code" autoComplete="one-time-code" inputMode="numeric" error={error} autoFocus />
          </>
        )}
        <button className="primary" type="submit" disabled={busy}>
          {signup ? "Create account" : "Sign in"}
        </button>
        {!signup && (
          <p className="muted">
            <Link href="/forgot-password">Forgot your password?</Link>
          </p>
        )}
        <p className="muted">
          {signup ? (
            <>
              Have an account? <Link href={`/login${onward}`}>Sign in</Link>
            </>
          ) : (
            <>
              New here? <Link href={`/signup${onward}`}>Create an account</Link>
            </>
          )}
        </p>
      </form>
    </main>
  );
}

interface FieldProps {
  name: string;
  label: string;
  type?: string;
  autoComplete: string;
  error: ApiError | null;
  required?: boolean;
  inputMode?: "numeric";
  autoFocus?: boolean;
}

function Field({ name, label, type = "text", autoComplete, error, required = true, inputMode, autoFocus }: FieldProps) {
  const message = error?.forField(name);
  return (
    <label className="field">
      <span>{label}</span>
      <input
        name={name}
        type={type}
        autoComplete={autoComplete}
        required={required}
        inputMode={inputMode}
        autoFocus={autoFocus}
        aria-invalid={message ? true : undefined}
        aria-describedby={message ? `${name}-error` : undefined}
      />
      {message && (
        <small id={`${name}-error`} className="problem">
          {message}
        </small>
      )}
    </label>
  );
}
