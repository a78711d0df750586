import { Suspense, lazy } from "react";
import { useQuery } from "@tanstack/react-query";
import { Redirect, Route, Switch, useLocation } from "wouter";
import { api } from "../api/kith";
import { ApiError } from "../api/client";
import { AuthForm } from "../features/auth/AuthForm";
import { Workspaces } from "../features/shell/Workspaces";
import { ForgotPassword, ResetPassword } from "../features/auth/PasswordReset";
import { Invite } from "../features/auth/Invite";
import { useRawSearch } from "../ui/rawSearch";

// Connecting an app is rare: its screen loads on first use, not with the app.
const Consent = lazy(() => import("../features/oauth/Consent").then((module) => ({ default: module.Consent })));

/** Where the consent screen lives: `/oauth/authorize` sends the browser here. */
export const CONSENT = "/oauth/consent";

/** Signed out: the sign-in and sign-up screens. Signed in: the workspaces. */
export function App() {
  const me = useQuery({ queryKey: ["me"], queryFn: api.me });
  const [location] = useLocation();
  const search = useRawSearch();
  if (me.isPending) return <div className="splash" aria-busy="true" />;
  const signedOut = me.error instanceof ApiError && me.error.status === 401;
  if (me.error && !signedOut) {
    return (
      <main className="splash">
        <p role="alert">{me.error.message}</p>
      </main>
    );
  }
  if (signedOut || !me.data) {
    return (
      <Switch>
        <Route path="/signup">
          <AuthForm mode="signup" />
        </Route>
        <Route path="/login">
          <AuthForm mode="login" />
        </Route>
        <Route path="/forgot-password">
          <ForgotPassword />
        </Route>
        <Route path="/reset-password">
          <ResetPassword />
        </Route>
        <Route path="/invite">
          <Invite me={undefined} />
        </Route>
        <Route>
          {/* The whole address comes back after signing in: a consent's parameters, a view's. */}
          <Redirect to={`/login?next=${encodeURIComponent(search ? `${location}?${search}` : location)}`} />
        </Route>
      </Switch>
    );
  }
  if (location === "/invite") return <Invite me={me.data} />;
  if (location === CONSENT) {
    return (
      <Suspense fallback={<div className="splash" aria-busy="true" />}>
        <Consent me={me.data} />
      </Suspense>
    );
  }
  return <Workspaces me={me.data} />;
}
