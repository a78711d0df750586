// The theme: the system's until the person chooses one, kept in their profile.

import type { Me } from "../api/kith";

export type Theme = Me["theme"];

/** Applies a theme to the page: `system` follows prefers-color-scheme (see styles.css). */
export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement): void {
  if (theme === "system") root.removeAttribute("data-theme");
  else root.setAttribute("data-theme", theme);
}
