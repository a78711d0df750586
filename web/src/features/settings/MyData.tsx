import { useState } from "react";
import { ApiError, download } from "../../api/client";

/** The account's own data as one JSON file: what Kith holds about it, to keep or to check. */
export function MyData() {
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function save() {
    setBusy(true);
    setProblem(null);
    try {
      const { blob, filename } = await download("/api/v1/me/export");
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = filename;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
    } catch (caught) {
      setProblem(caught instanceof ApiError ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section className="settings-card" aria-labelledby="my-data-title">
      <h2 id="my-data-title">Your data</h2>
      <p>
        One JSON file of everything Kith holds about your account: your profile, your workspaces and roles, the API
        tokens you made, your favourites and saved views, your sign-in history, the apps you connected and the mails
        sent to you. A workspace&rsquo;s records are exported from its tables (Export CSV, Export Excel).
      </p>
      <button type="button" onClick={() => void save()} disabled={busy} aria-busy={busy}>
        {busy ? "Preparing…" : "Download my data"}
      </button>
      {problem && (
        <p className="problem" role="alert">
          {problem}
        </p>
      )}
    </section>
  );
}
