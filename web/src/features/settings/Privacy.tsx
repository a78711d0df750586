import { useState, type FormEvent } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "wouter";
import { api, type Erasure, type Subject } from "../../api/kith";
import { AdminsOnly, Empty, Loading, OutcomeLine, QueryProblem, formatTime, useOutcome, type Outcome } from "./common";
import type { SectionProps } from "./Settings";

/** Data-subject requests (GDPR access and erasure): what the workspace holds about one email
 *  address, as a download, or erased for good. Admins only. */
export function Privacy(props: SectionProps) {
  return (
    <AdminsOnly>
      <PrivacyScreen {...props} />
    </AdminsOnly>
  );
}

// Erasing changes records, notes, tasks and their history: other screens must not keep showing
// what is gone from their cache.
const ERASED_CACHES = ["records", "record", "notes", "tasks", "timeline", "cards", "groups", "search", "audit", "imports", "import-rows"];

function PrivacyScreen({ workspace }: SectionProps) {
  const queries = useQueryClient();
  const outcome = useOutcome();
  const [found, setFound] = useState<Subject | null>(null);

  async function erased(email: string, erasure: Erasure) {
    setFound(null);
    outcome.succeeded(erasedText(email, erasure));
    for (const key of ERASED_CACHES) void queries.invalidateQueries({ queryKey: [key, workspace] });
    await queries.invalidateQueries({ queryKey: ["erasures", workspace] });
  }

  return (
    <div className="settings-stack">
      <p>
        Find everything this workspace holds about a person by their email address, to give them a copy or to erase it.
        To correct (rectify) their data, open the record and edit it.
      </p>
      <FindForm workspace={workspace} outcome={outcome} found={setFound} />
      {found && <Answer workspace={workspace} subject={found} />}
      {found && <EraseCard workspace={workspace} email={found.email} erased={(erasure) => erased(found.email, erasure)} />}
      <ErasureLog workspace={workspace} />
    </div>
  );
}

interface FindProps {
  workspace: string;
  outcome: Outcome;
  found: (subject: Subject | null) => void;
}

function FindForm({ workspace, outcome, found }: FindProps) {
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const email = String(new FormData(event.currentTarget).get("email") ?? "").trim();
    setBusy(true);
    found(null);
    try {
      found(await api.findSubject(workspace, email));
      // Clears an earlier refusal or erasure message: the answer below says what was found.
      outcome.succeeded("");
    } catch (caught) {
      outcome.failed(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="settings-card" onSubmit={(e) => void submit(e)} aria-labelledby="privacy-find-title">
      <h3 id="privacy-find-title">Find a person&rsquo;s data</h3>
      <div className="settings-inline">
        <label className="field">
          <span>Email address</span>
          <input name="email" type="email" required autoComplete="off" spellCheck={false} placeholder="ada@example.com" />
        </label>
        <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
          {busy ? "Finding…" : "Find"}
        </button>
      </div>
      <OutcomeLine outcome={outcome} />
    </form>
  );
}

function Answer({ workspace, subject }: { workspace: string; subject: Subject }) {
  const parts = [subject.records, subject.mentions, subject.events, subject.audit, subject.importRows, subject.webhookDeliveries];
  const nothing = parts.every((part) => part.length === 0);
  return (
    <section className="settings-card" aria-labelledby="privacy-answer-title">
      <div className="settings-heading">
        <h3 id="privacy-answer-title">What this workspace holds about {subject.email}</h3>
        <button type="button" onClick={() => saveAsJson(subject)}>
          Download as JSON
        </button>
      </div>
      {nothing ? (
        <Empty>Nothing in this workspace mentions {subject.email}.</Empty>
      ) : (
        <>
          <p>{summary(subject)}</p>
          {subject.records.length > 0 && <RecordTable workspace={workspace} subject={subject} />}
          {subject.mentions.length > 0 && <MentionTable workspace={workspace} subject={subject} />}
          <p className="muted">
            To correct (rectify) any of it, open the record and edit it. The download holds everything counted above,
            history, audit entries, import rows and webhook deliveries included.
          </p>
        </>
      )}
    </section>
  );
}

function RecordTable({ workspace, subject }: { workspace: string; subject: Subject }) {
  return (
    <table className="settings-table" aria-label="Their records">
      <thead>
        <tr>
          <th scope="col">Object</th>
          <th scope="col">Record</th>
          <th scope="col">History entries</th>
        </tr>
      </thead>
      <tbody>
        {subject.records.map((r) => (
          <tr key={`${r.object}/${r.id}`}>
            <td>{r.object}</td>
            <td>
              <RecordLink workspace={workspace} object={r.object} id={r.id} record={r.record} />
            </td>
            <td>{r.timeline.length}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function MentionTable({ workspace, subject }: { workspace: string; subject: Subject }) {
  return (
    <table className="settings-table" aria-label="Notes and tasks about them">
      <thead>
        <tr>
          <th scope="col">Object</th>
          <th scope="col">Note or task</th>
          <th scope="col">How it concerns them</th>
        </tr>
      </thead>
      <tbody>
        {subject.mentions.map((m) => (
          <tr key={`${m.object}/${m.id}`}>
            <td>{m.object}</td>
            <td>
              <RecordLink workspace={workspace} object={m.object} id={m.id} record={m.record} />
            </td>
            <td>{concern(m.linked, m.mentions)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

interface RecordLinkProps {
  workspace: string;
  object: string;
  id: string;
  record: Record<string, unknown>;
}

function RecordLink({ workspace, object, id, record }: RecordLinkProps) {
  return (
    <>
      <Link href={`/w/${workspace}/${object}/${id}`}>{recordLabel(id, record)}</Link>
      {record.deletedAt ? <span className="muted"> (in the trash)</span> : null}
    </>
  );
}

interface EraseProps {
  workspace: string;
  email: string;
  erased: (erasure: Erasure) => Promise<void>;
}

function EraseCard({ workspace, email, erased }: EraseProps) {
  // Only refusals show here: on success this card goes, and the section's line says what was erased.
  const outcome = useOutcome();
  const [busy, setBusy] = useState(false);

  async function erase() {
    const question = `Erase everything about ${email}? Their records and the notes and tasks linked only to them are deleted for good. This cannot be undone.`;
    if (!window.confirm(question)) return;
    setBusy(true);
    try {
      await erased(await api.eraseSubject(workspace, email));
    } catch (caught) {
      outcome.failed(caught);
      setBusy(false);
    }
  }

  return (
    <section className="settings-card danger-zone" aria-labelledby="privacy-erase-title">
      <h3 id="privacy-erase-title">Erase {email}</h3>
      <p>
        This deletes for good their records (trash included), the notes and tasks linked only to them, and the audit
        entries, import rows and webhook deliveries about them. In other notes, tasks and history the address is replaced
        with &ldquo;[erased]&rdquo;.
      </p>
      <p>
        <strong>It cannot be undone.</strong> If they asked for a copy, download it first.
      </p>
      <div className="settings-actions settings-actions-start">
        <button type="button" className="danger-button" onClick={() => void erase()} disabled={busy} aria-busy={busy}>
          Erase everything about {email}
        </button>
      </div>
      <OutcomeLine outcome={outcome} />
    </section>
  );
}

function ErasureLog({ workspace }: { workspace: string }) {
  const erasures = useQuery({ queryKey: ["erasures", workspace], queryFn: () => api.erasures(workspace) });
  return (
    <section className="settings-card" aria-labelledby="privacy-log-title">
      <h3 id="privacy-log-title">Erasure log</h3>
      <p className="muted">
        The log keeps no personal data: only a salted hash of each erased address, so that erased people stay erased when
        an older archive is imported.
      </p>
      {erasures.isPending ? (
        <Loading what="erasures" />
      ) : erasures.error ? (
        <QueryProblem error={erasures.error} />
      ) : erasures.data.length === 0 ? (
        <Empty>No one has been erased from this workspace.</Empty>
      ) : (
        <ErasureTable erasures={erasures.data} />
      )}
    </section>
  );
}

function ErasureTable({ erasures }: { erasures: Erasure[] }) {
  return (
    <table className="settings-table" aria-label="Erasures">
      <thead>
        <tr>
          <th scope="col">Erased</th>
          <th scope="col">Records</th>
          <th scope="col">Notes and tasks deleted</th>
          <th scope="col">Notes and tasks scrubbed</th>
          <th scope="col">History entries scrubbed</th>
          <th scope="col">Audit entries</th>
          <th scope="col">Import rows</th>
          <th scope="col">Webhook deliveries</th>
        </tr>
      </thead>
      <tbody>
        {erasures.map((e) => (
          <tr key={e.id}>
            <td>{formatTime(e.erasedAt)}</td>
            <td>{e.records}</td>
            <td>{e.deletedMentions}</td>
            <td>{e.scrubbedMentions}</td>
            <td>{e.scrubbedEvents}</td>
            <td>{e.auditEntries}</td>
            <td>{e.importRows}</td>
            <td>{e.webhookDeliveries}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** `1 record`, `2 records`. */
function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

const NOTES = ["note or task", "notes or tasks"] as const;
const HISTORY = ["history entry", "history entries"] as const;
const AUDIT = ["audit entry", "audit entries"] as const;
const DELIVERIES = ["webhook delivery", "webhook deliveries"] as const;

/** The answer's size in one line; history counts their records' own and other records' entries. */
function summary(subject: Subject): string {
  const history = subject.events.length + subject.records.reduce((n, r) => n + r.timeline.length, 0);
  return [
    count(subject.records.length, "record"),
    count(subject.mentions.length, ...NOTES),
    count(history, ...HISTORY),
    count(subject.audit.length, ...AUDIT),
    count(subject.importRows.length, "import row"),
    count(subject.webhookDeliveries.length, ...DELIVERIES),
  ].join(", ");
}

function erasedText(email: string, e: Erasure): string {
  const deleted = [
    count(e.records, "record"),
    count(e.deletedMentions, ...NOTES),
    count(e.auditEntries, ...AUDIT),
    count(e.importRows, "import row"),
    count(e.webhookDeliveries, ...DELIVERIES),
  ].join(", ");
  const scrubbed = `${count(e.scrubbedMentions, ...NOTES)} and ${count(e.scrubbedEvents, ...HISTORY)}`;
  return `Erased ${email}: deleted ${deleted}; replaced the address in ${scrubbed}.`;
}

function concern(linked: boolean, mentions: boolean): string {
  if (linked && mentions) return "Linked to them and mentions the address";
  return linked ? "Linked to them" : "Mentions the address";
}

/** A person's full name, else the record's name or title, else its id. */
function recordLabel(id: string, record: Record<string, unknown>): string {
  const name = record.name;
  if (name && typeof name === "object") {
    const { firstName, lastName } = name as { firstName?: unknown; lastName?: unknown };
    const full = [firstName, lastName].filter((part) => typeof part === "string" && part).join(" ");
    if (full) return full;
  }
  if (typeof name === "string" && name) return name;
  if (typeof record.title === "string" && record.title) return record.title;
  return id;
}

function saveAsJson(subject: Subject) {
  const blob = new Blob([JSON.stringify(subject, null, 2)], { type: "application/json" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  // An address may hold characters a file name cannot.
  link.download = `kith-subject-${subject.email.replace(/[^\w.@+-]/g, "_")}-${today()}.json`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

/** The person's local date, `YYYY-MM-DD`. */
function today(): string {
  const now = new Date();
  return [now.getFullYear(), now.getMonth() + 1, now.getDate()].map((n) => String(n).padStart(2, "0")).join("-");
}
