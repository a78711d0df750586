import { DeletedWorkspaces } from "../settings/DeleteWorkspace";
import { useState, type FormEvent } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/kith";
import { ApiError } from "../../api/client";
import { Problem } from "../../ui/Problem";

/** For an account in no workspace yet: make one. */
export function NewWorkspace() {
  const queries = useQueryClient();
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get("name") ?? "");
    try {
      await api.createWorkspace(name);
      await queries.invalidateQueries({ queryKey: ["workspaces"] });
    } catch (caught) {
      setError(caught instanceof ApiError ? (caught.forField("name") ?? caught.message) : String(caught));
    }
  }

  return (
    <main className="auth">
      <form className="card" onSubmit={submit}>
        <h1>Create a workspace</h1>
        <p className="muted">A workspace holds your team's companies, people and deals.</p>
        <Problem message={error} />
        <label className="field">
          <span>Name</span>
          <input name="name" required autoComplete="organization" />
        </label>
        <button className="primary" type="submit">
          Create workspace
        </button>
      </form>
      <DeletedWorkspaces />
    </main>
  );
}
