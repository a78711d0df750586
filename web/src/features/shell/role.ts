// What the signed-in person's role in the open workspace lets the screens offer. The server
// decides; this only keeps a viewer from being offered edits it would refuse.

import { createContext, useContext } from "react";
import type { Role } from "../../api/kith";

export const WorkspaceRole = createContext<Role>("viewer");

/** Whether the person may change records (a custom role may still refuse some objects). */
export function useCanWrite(): boolean {
  return useContext(WorkspaceRole) !== "viewer";
}
