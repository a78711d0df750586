import { useState, type FormEvent } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { api, type Me, type ProfileChange } from "../../api/kith";
import { applyTheme, type Theme } from "../../ui/theme";
import { OutcomeLine, useOutcome } from "./common";
import type { SectionProps } from "./Settings";

const AVATAR_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"];
const AVATAR_MAX_BYTES = 1024 * 1024;
export const MIN_PASSWORD = 10;

/** Name and email, password, avatar and theme. */
export function Profile({ me }: SectionProps) {
  return (
    <div className="settings-stack">
      <Identity me={me} />
      <Password />
      <Avatar me={me} />
      <ThemeChoice me={me} />
    </div>
  );
}

function Identity({ me }: { me: Me }) {
  const queries = useQueryClient();
  const outcome = useOutcome();
  const [email, setEmail] = useState(me.email);
  // The server asks for the password only when the email changes, so only then is it asked for.
  const emailChanged = email.trim() !== me.email;

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const change: ProfileChange = { name: String(form.get("name") ?? "") };
    if (emailChanged) {
      change.email = email.trim();
      change.currentPassword = String(form.get("currentPassword") ?? "");
    }
    await outcome.run(async () => {
      queries.setQueryData(["me"], await api.updateMe(change));
    }, "Profile saved.");
  }

  return (
    <form className="settings-card" onSubmit={save} aria-labelledby="identity-title">
      <h3 id="identity-title">Name and email</h3>
      <label className="field">
        <span>Name</span>
        <input name="name" defaultValue={me.name} required autoComplete="name" />
      </label>
      <label className="field">
        <span>Email</span>
        <input name="email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoComplete="email" />
      </label>
      {emailChanged && (
        <label className="field">
          <span>Current password</span>
          <input name="currentPassword" type="password" required autoComplete="current-password" />
          <small className="muted">Changing your email needs your password.</small>
        </label>
      )}
      <div className="settings-actions">
        <button className="primary" type="submit">
          Save profile
        </button>
      </div>
      <OutcomeLine outcome={outcome} />
    </form>
  );
}

function Password() {
  const outcome = useOutcome();

  async function change(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const done = await outcome.run(
      () => api.changePassword(String(form.get("currentPassword")), String(form.get("newPassword"))),
      "Password changed. Your other sessions were signed out.",
    );
    if (done) formElement.reset();
  }

  return (
    <form className="settings-card" onSubmit={change} aria-labelledby="password-title">
      <h3 id="password-title">Password</h3>
      <label className="field">
        <span>Current password</span>
        <input name="currentPassword" type="password" required autoComplete="current-password" />
      </label>
      <label className="field">
        <span>New password</span>
        <input name="newPassword" type="password" required minLength={MIN_PASSWORD} autoComplete="new-password" aria-describedby="new-password-hint" />
        <small id="new-password-hint" className="muted">
          At least {MIN_PASSWORD} characters.
        </small>
      </label>
      <div className="settings-actions">
        <button className="primary" type="submit">
          Change password
        </button>
      </div>
      <OutcomeLine outcome={outcome} />
    </form>
  );
}

/** Checked here so a wrong file is explained before it is sent; the server checks again. */
export function avatarProblem(file: File): string | null {
  if (!AVATAR_TYPES.includes(file.type)) return "Choose a PNG, JPEG, GIF or WebP image.";
  if (file.size > AVATAR_MAX_BYTES) return "Choose an image of at most 1 MiB.";
  return null;
}

function Avatar({ me }: { me: Me }) {
  const queries = useQueryClient();
  const outcome = useOutcome();
  // The address stays the same after an upload: a counter makes the browser fetch it again.
  const [version, setVersion] = useState(0);

  async function refresh(message: string) {
    setVersion((v) => v + 1);
    await queries.invalidateQueries({ queryKey: ["me"] });
    outcome.succeeded(message);
  }

  async function upload(file: File | undefined) {
    if (!file) return;
    const problem = avatarProblem(file);
    if (problem) return outcome.failed(new Error(problem));
    if (await outcome.run(() => api.uploadAvatar(file), "Avatar uploaded.")) await refresh("Avatar uploaded.");
  }

  async function remove() {
    if (await outcome.run(() => api.removeAvatar(), "Avatar removed.")) await refresh("Avatar removed.");
  }

  return (
    <div className="settings-card" role="group" aria-labelledby="avatar-title">
      <h3 id="avatar-title">Avatar</h3>
      <div className="avatar-row">
        {me.avatarUrl ? (
          <img className="avatar" src={`${me.avatarUrl}?v=${version}`} alt="Your avatar" width={56} height={56} />
        ) : (
          <span className="avatar avatar-initial" aria-hidden="true">
            {me.name.slice(0, 1).toUpperCase()}
          </span>
        )}
        <label className="field">
          <span>Upload an image</span>
          <input type="file" accept={AVATAR_TYPES.join(",")} onChange={(e) => void upload(e.target.files?.[0])} />
          <small className="muted">PNG, JPEG, GIF or WebP, at most 1 MiB.</small>
        </label>
        {me.avatarUrl && (
          <button type="button" onClick={() => void remove()}>
            Remove avatar
          </button>
        )}
      </div>
      <OutcomeLine outcome={outcome} />
    </div>
  );
}

function ThemeChoice({ me }: { me: Me }) {
  const queries = useQueryClient();
  const outcome = useOutcome();

  // Chosen here at once (the cached account updates a moment later); put back if the server refuses.
  const [chosen, setChosen] = useState(me.theme);

  async function choose(theme: Theme) {
    const before = chosen;
    setChosen(theme);
    applyTheme(theme);
    const saved = await outcome.run(async () => {
      queries.setQueryData(["me"], await api.setTheme(theme));
    }, "Theme saved.");
    if (!saved) {
      setChosen(before);
      applyTheme(before);
    }
  }

  return (
    <fieldset className="settings-card">
      <legend>Theme</legend>
      <div className="settings-radios">
        {(["light", "dark", "system"] as const).map((theme) => (
          <label key={theme}>
            <input type="radio" name="theme" value={theme} checked={chosen === theme} onChange={() => void choose(theme)} />
            {theme === "system" ? "System" : theme === "light" ? "Light" : "Dark"}
          </label>
        ))}
      </div>
      <OutcomeLine outcome={outcome} />
    </fieldset>
  );
}
