import { type FormEvent } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { useLocation } from "wouter";
import { api } from "../../api/kith";
import { applyTheme } from "../../ui/theme";
import { OutcomeLine, useOutcome } from "./common";

/** Deleting the account for good, after the password; the server refuses while it solely owns a workspace. */
export function DeleteAccount() {
  const queries = useQueryClient();
  const [, navigate] = useLocation();
  const outcome = useOutcome();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const password = String(new FormData(event.currentTarget).get("currentPassword") ?? "");
    if (!window.confirm("Delete your account for good? This cannot be undone.")) return;
    try {
      await api.deleteAccount(password);
      queries.clear();
      applyTheme("system");
      navigate("/login");
    } catch (caught) {
      // A 409 names the workspaces only this account owns and what to do: shown as the server says it.
      outcome.failed(caught);
    }
  }

  return (
    <form className="settings-card danger-zone" onSubmit={submit} aria-labelledby="delete-account-title">
      <h3 id="delete-account-title">Delete my account</h3>
      <p>
        Your account is deleted at once and for good, with your sessions, sign-in history, avatar and memberships, and the mail queued to you. A workspace you are the only owner of must first get another owner, or be deleted.
      </p>
      <label className="field">
        <span>Current password</span>
        <input name="currentPassword" type="password" required autoComplete="current-password" />
      </label>
      <OutcomeLine outcome={outcome} />
      <div className="settings-actions">
        <button type="submit" className="danger-button">
          Delete my account
        </button>
      </div>
    </form>
  );
}
