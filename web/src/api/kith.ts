// Kith's API, typed: accounts and workspaces under /api/v1, records and metadata under /rest.

import { ApiError, download, request, stream } from "./client";

/** The one record of a `{"data": {"<key>": record}}` answer. */
function only(answer: { data: Record<string, KithRecord> }): KithRecord {
  const record = Object.values(answer.data)[0];
  if (!record) throw new ApiError(500, "bad_answer", "The server's answer held no record.");
  return record;
}

export interface Me {
  id: string;
  name: string;
  email: string;
  theme: "system" | "light" | "dark";
  avatarUrl: string | null;
  /** Signing in also takes a code from an authenticator app. */
  twoFactor: boolean;
}

export interface TwoFactorStatus {
  enabled: boolean;
  settingUp: boolean;
  recoveryCodesLeft: number;
}

export type Role = "owner" | "admin" | "member" | "viewer";

export interface Workspace {
  id: string;
  name: string;
  role: Role;
  /** Members without two-factor sign-in are kept out. */
  requireTwoFactor: boolean;
}

export interface SelectOption {
  value: string;
  label: string;
  color: string;
}

export interface FieldMeta {
  id: string;
  name: string;
  label: string;
  type: string;
  isActive?: boolean;
  /** Made by the workspace (only these can be deleted; standard ones are hidden instead). */
  isCustom?: boolean;
  options?: SelectOption[];
  isUnique?: boolean;
  /** RELATION fields: what they point at (`company`, `person`, `workspaceMember`…). */
  relation?: { target: string; onDelete?: string; inverseName?: string };
}

export interface Actor {
  source: string;
  name: string;
}

export interface TimelineEvent {
  id: string;
  kind: "created" | "updated" | "deleted" | "restored" | string;
  actor: Actor | null;
  changes: Record<string, { before?: unknown; after?: unknown }> | null;
  happenedAt: string;
}

export interface ObjectMeta {
  id: string;
  nameSingular: string;
  namePlural: string;
  labelSingular: string;
  labelPlural: string;
  icon: string;
  isCustom: boolean;
  isActive: boolean;
  labelField: string;
  fields: FieldMeta[];
}

export type RecordValue = unknown;
export type KithRecord = { id: string } & Record<string, RecordValue>;

export interface Page {
  records: KithRecord[];
  endCursor: string | null;
  hasNextPage: boolean;
  totalCount?: number;
}

export interface Invitation {
  workspaceName: string;
  inviterName: string;
  email: string;
  role: Role;
  expiresAt: string;
}

/** One group of a group-by: its key, its count and the asked sums (`sum:amount`). */
export type Group = { key: string | null; count: number } & Record<string, unknown>;

export interface SearchHit {
  objectNameSingular: string;
  recordId: string;
  label: string;
}

export interface ViewColumn {
  name: string;
  width?: number;
}

/** A saved view as the server keeps it (`/rest/metadata/views`). */
export interface SavedView {
  id: string;
  objectMetadataId: string;
  name: string;
  type: "table" | "kanban";
  visibility: "personal" | "workspace";
  filter: string | null;
  orderBy: string | null;
  fields: ViewColumn[];
  kanbanField: string | null;
  createdBy: { name: string };
}

export type ViewInput = Omit<SavedView, "id" | "createdBy">;

/** A record or saved view kept in the sidebar, as the caller may still open it. */
export interface Favorite {
  id: string;
  position: number;
  recordId: string | null;
  viewId: string | null;
  objectMetadataId: string;
  objectNameSingular: string;
  objectNamePlural: string;
  /** The record's name, or the view's. */
  label: string;
  createdAt: string;
}

export type FavoriteTarget = { recordId: string; objectMetadataId: string } | { viewId: string };

/** Ids per bulk request: 200 ids keep an address under 8 KB. */
const IDS_PER_REQUEST = 200;

function chunks(ids: string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_REQUEST) out.push(ids.slice(i, i + IDS_PER_REQUEST));
  return out;
}

function idsFilter(ids: string[]): string {
  return `id[in]:[${ids.join(",")}]`;
}

/** A record change as the live stream sends it (`GET /rest/live`). */
export interface LiveChange {
  id: string;
  object: { nameSingular: string; namePlural: string };
  recordId: string;
  kind: "created" | "updated" | "deleted" | "restored" | string;
  actor: (Actor & { workspaceMemberId?: string | null }) | null;
  changes: Record<string, { before?: unknown; after?: unknown }> | null;
  happenedAt: string;
}

/** Follows the workspace's record changes until `signal` aborts; the stream ends every minute
 *  or so, and this resumes it after the last change seen. Refusals (signed out) end it. */
export async function followChanges(workspace: string, signal: AbortSignal, onChange: (change: LiveChange) => void) {
  let lastEventId: string | undefined;
  let failures = 0;
  while (!signal.aborted) {
    try {
      const options = lastEventId ? { workspace, lastEventId, signal } : { workspace, signal };
      await stream("/rest/live", options, (event) => {
        if (event.event !== "change") return;
        failures = 0;
        lastEventId = event.id;
        onChange(JSON.parse(event.data) as LiveChange);
      });
    } catch (caught) {
      if (signal.aborted || (caught instanceof ApiError && caught.status >= 400 && caught.status < 500)) return;
      failures += 1;
      // A server restarting or a network away: try again, less often the longer it lasts.
      await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** failures)));
    }
  }
}

// ---- Settings: the account, the workspace's people, roles, tokens, apps, metadata, agents ----

export interface Login {
  kind: "signup" | "login" | "login_failed" | "password_changed" | string;
  at: string;
  ip: string | null;
  userAgent: string | null;
}

export interface ProfileChange {
  name?: string;
  email?: string;
  currentPassword?: string;
}

/** A member of a workspace; a `workspaceMember` relation holds their `userId`. */
export interface Member {
  userId: string;
  name: string;
  email: string;
  role: Role;
  customRole: { id: string; name: string } | null;
  joinedAt: string;
}

/** A member's role as the API takes it: a built-in one by name, or a custom one by id. */
export type RoleChoice = { role: Role } | { roleId: string };

export interface OpenInvitation {
  id: string;
  email: string;
  role: Role;
  createdAt: string;
  expiresAt: string;
}

export interface Rights {
  read: boolean;
  write: boolean;
  delete: boolean;
}

export interface ObjectRights extends Rights {
  hiddenFields?: string[];
}

export interface Permissions {
  default: Rights;
  objects: Record<string, ObjectRights>;
  sensitiveInClear: boolean;
}

export interface WorkspaceRoleDefinition {
  id: string;
  name: string;
  builtIn: boolean;
  permissions: Permissions;
}

export type TokenScope = "records:read" | "records:write" | "metadata:write";

export interface ApiToken {
  id: string;
  name: string;
  scopes: TokenScope[];
  objects: string[] | null;
  role: Role | null;
  customRole: { id: string; name: string } | null;
  createdBy: { id: string; name: string | null } | null;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt?: string | null;
}

/** The answer to creating a token: the only time its secret is seen. */
export interface CreatedToken extends ApiToken {
  token: string;
}

export interface TokenInput {
  name: string;
  scopes: TokenScope[];
  objects?: string[];
  expiresAt?: string;
  role?: Role;
  roleId?: string;
}

export interface ConnectedApp {
  id: string;
  client: { id: string; name: string };
  workspace: { id: string; name: string };
  person: { id: string; email: string };
  scopes: string[];
  resource: string | null;
  createdAt: string;
  lastUsedAt: string | null;
}

/** What an OAuth client may be allowed, each level adding to the one before. */
export type GrantName = "read" | "write" | "schema";

export interface GrantChoice {
  name: GrantName;
  /** In plain words, as the server puts it. */
  description: string;
  scopes: TokenScope[];
}

/** What the consent screen asks about (`GET /api/v1/oauth/authorization`). */
export interface AuthorizationPrompt {
  client: { id: string; name: string };
  /** Where the answer sends the browser: the redirect URI's scheme and host. */
  redirectHost: string;
  /** The smallest grant holding every scope the client asked for. */
  requested: GrantName;
  grants: GrantChoice[];
}

/** The parameters of `/oauth/authorize`, as the consent screen's address carries them. */
export type AuthorizationRequest = Record<string, string>;

export type AuthorizationDecision = { decision: "allow"; workspaceId: string; grant: GrantName } | { decision: "deny" };

export interface ObjectInput {
  nameSingular: string;
  namePlural: string;
  labelSingular: string;
  labelPlural: string;
}

export interface FieldInput {
  objectMetadataId: string;
  name: string;
  label: string;
  type: string;
  options?: SelectOption[];
  relation?: { target: string; onDelete: "SET_NULL" | "CASCADE" | "RESTRICT"; inverseName?: string };
}

export interface FieldChange {
  label?: string;
  isActive?: boolean;
}

export interface ChangeSet {
  id: string;
  principal: string;
  label: string;
  openedAt: string;
  lastWriteAt: string;
  revertedAt: string | null;
}

export interface RevertResult {
  id: string;
  reverted: { object: string; id: string; action: string }[];
  conflicts: { object: string; id: string; field: string; changeSetValue: unknown; currentValue: unknown }[];
  skipped: unknown[];
}

export interface AuditEntry {
  id: string;
  at: string;
  principal: { id: string; name: string };
  client: string;
  action: string;
  arguments: unknown;
  outcome: string;
  durationMs: number;
  records: unknown[];
}

export interface AuditPage {
  data: AuditEntry[];
  nextCursor: string | null;
}

export interface AuditQuery {
  principal?: string;
  action?: string;
  cursor?: string;
}

/** One entry of a record's history, as the privacy answer gives it. */
export interface SubjectTimelineEntry {
  id: string;
  kind: string;
  at: string;
  changes: Record<string, { before?: unknown; after?: unknown }> | null;
  [key: string]: unknown;
}

/** A record holding the person's address (a person, say), with its own history. */
export interface SubjectRecord {
  /** The object's plural name, as in `/rest/{object}`. */
  object: string;
  id: string;
  record: Record<string, unknown>;
  timeline: SubjectTimelineEntry[];
}

/** A note or task about the person: linked to one of their records, naming the address, or both. */
export interface SubjectMention {
  object: string;
  id: string;
  record: Record<string, unknown>;
  linked: boolean;
  mentions: boolean;
}

/** An entry in another record's history that holds the address. */
export interface SubjectEvent {
  object: string;
  recordId: string;
  id: string;
  kind: string;
  changes: Record<string, { before?: unknown; after?: unknown }> | null;
  [key: string]: unknown;
}

export interface SubjectAuditEntry {
  id: string;
  principalName: string;
  action: string;
  summary: string;
  [key: string]: unknown;
}

export interface SubjectImportRow {
  importId: string;
  rowNumber: number;
  action: string;
  reason: string | null;
  cells: Record<string, unknown>;
}

export interface SubjectWebhookDelivery {
  id: string;
  webhookId: string;
  event: string;
  createdAt: string;
}

/** Everything the workspace holds about one email address (`GET …/privacy/subject`). */
export interface Subject {
  email: string;
  records: SubjectRecord[];
  mentions: SubjectMention[];
  events: SubjectEvent[];
  audit: SubjectAuditEntry[];
  importRows: SubjectImportRow[];
  webhookDeliveries: SubjectWebhookDelivery[];
}

/** One erasure, as its log keeps it: counts only, no personal data. */
export interface Erasure {
  id: string;
  erasedAt: string;
  records: number;
  deletedMentions: number;
  scrubbedMentions: number;
  scrubbedEvents: number;
  auditEntries: number;
  importRows: number;
  webhookDeliveries: number;
}

/** `/api/v1/workspaces/{workspace}/…`, each part escaped. */
const workspacePath = (workspace: string, ...rest: string[]) =>
  `/api/v1/workspaces/${[workspace, ...rest].map(encodeURIComponent).join("/")}`;

/** What a task or note is linked to. */
export interface Target {
  targetObject: string;
  targetId: string;
}

const recordPath = (plural: string, id: string) => `/rest/${encodeURIComponent(plural)}/${encodeURIComponent(id)}`;

export const api = {
  me: () => request<Me>("/api/v1/me"),
  /** `code`: the authenticator app's code or a recovery code, once the server has asked for one. */
  logIn: (email: string, password: string, code?: string) =>
    request<Me>("/api/v1/auth/login", { method: "POST", body: code ? { email, password, code } : { email, password } }),
  twoFactor: () => request<TwoFactorStatus>("/api/v1/me/two-factor"),
  setUpTwoFactor: (currentPassword: string) =>
    request<{ secret: string; otpauthUri: string }>("/api/v1/me/two-factor/setup", { method: "POST", body: { currentPassword } }),
  enableTwoFactor: (code: string) =>
    request<{ recoveryCodes: string[]; endedSessions: number }>("/api/v1/me/two-factor/enable", { method: "POST", body: { code } }),
  newRecoveryCodes: (currentPassword: string) =>
    request<{ recoveryCodes: string[] }>("/api/v1/me/two-factor/recovery-codes", { method: "POST", body: { currentPassword } }),
  disableTwoFactor: (currentPassword: string) =>
    request<void>("/api/v1/me/two-factor/disable", { method: "POST", body: { currentPassword } }),
  requireTwoFactor: (workspace: string, required: boolean) =>
    request<Workspace>(workspacePath(workspace, "two-factor"), { method: "PUT", body: { required } }),
  signUp: (name: string, email: string, password: string, inviteToken?: string) =>
    request<Me>("/api/v1/auth/signup", { method: "POST", body: { name, email, password, inviteToken: inviteToken ?? null } }),
  requestPasswordReset: (email: string) =>
    request<void>("/api/v1/auth/password-reset", { method: "POST", body: { email } }),
  resetPassword: (token: string, password: string) =>
    request<unknown>("/api/v1/auth/password-reset/confirm", { method: "POST", body: { token, password } }),
  invitation: (token: string) => request<Invitation>(`/api/v1/invitations/${encodeURIComponent(token)}`),
  acceptInvitation: (token: string) =>
    request<Workspace>(`/api/v1/invitations/${encodeURIComponent(token)}/accept`, { method: "POST", body: {} }),
  logOut: () => request<void>("/api/v1/auth/logout", { method: "POST" }),
  setTheme: (theme: Me["theme"]) => request<Me>("/api/v1/me", { method: "PATCH", body: { theme } }),
  workspaces: async () => (await request<{ data: Workspace[] }>("/api/v1/workspaces")).data,
  /** The deleted workspaces the caller owns, with when each is purged. */
  deletedWorkspaces: async () =>
    (await request<{ data: (Workspace & { deletedAt: string; purgedAt: string })[] }>("/api/v1/workspaces/deleted")).data,
  deleteWorkspace: (workspace: string) => request<void>(workspacePath(workspace), { method: "DELETE" }),
  restoreWorkspace: (workspace: string) => request<Workspace>(workspacePath(workspace, "restore"), { method: "POST" }),
  createWorkspace: (name: string) =>
    request<Workspace>("/api/v1/workspaces", { method: "POST", body: { name } }),
  objects: async (workspace: string) =>
    (await request<{ data: { objects: ObjectMeta[] } }>("/rest/metadata/objects", { workspace })).data
      .objects,
  page: async (
    workspace: string,
    plural: string,
    cursor: string | null,
    view: { orderBy?: string | undefined; filter?: string | undefined; depth?: 1 | undefined } = {},
    limit = 50,
  ): Promise<Page> => {
    const query = new URLSearchParams({ limit: String(limit) });
    if (view.orderBy) query.set("order_by", view.orderBy);
    if (view.filter) query.set("filter", view.filter);
    // Each relation's record embedded, for a table that shows relation columns by name.
    if (view.depth) query.set("depth", String(view.depth));
    if (cursor) query.set("starting_after", cursor);
    const answer = await request<{
      data: Record<string, KithRecord[]>;
      pageInfo: { endCursor: string | null; hasNextPage: boolean };
      totalCount?: number;
    }>(`/rest/${encodeURIComponent(plural)}?${query}`, { workspace });
    const page: Page = {
      records: answer.data[plural] ?? [],
      endCursor: answer.pageInfo.endCursor,
      hasNextPage: answer.pageInfo.hasNextPage,
    };
    if (answer.totalCount !== undefined) page.totalCount = answer.totalCount;
    return page;
  },
  /** How many records match: asked apart from the rows, so that counting a million never
   *  delays the first page. */
  count: async (workspace: string, plural: string, filter?: string) => {
    const query = new URLSearchParams({ limit: "1", count: "true", fields: "id" });
    if (filter) query.set("filter", filter);
    const answer = await request<{ totalCount?: number }>(`/rest/${encodeURIComponent(plural)}?${query}`, { workspace });
    return answer.totalCount ?? 0;
  },
  record: async (workspace: string, object: ObjectMeta, id: string) => {
    const path = `/rest/${encodeURIComponent(object.namePlural)}/${encodeURIComponent(id)}`;
    return only(await request<{ data: Record<string, KithRecord> }>(path, { workspace }));
  },
  updateRecord: async (workspace: string, object: ObjectMeta, id: string, values: Record<string, unknown>) => {
    const path = `/rest/${encodeURIComponent(object.namePlural)}/${encodeURIComponent(id)}`;
    return only(await request<{ data: Record<string, KithRecord> }>(path, { method: "PATCH", body: values, workspace }));
  },
  timeline: async (workspace: string, object: ObjectMeta, id: string) => {
    const path = `/rest/${encodeURIComponent(object.namePlural)}/${encodeURIComponent(id)}/timeline?limit=50`;
    return (await request<{ data: { timeline: TimelineEvent[] } }>(path, { workspace })).data.timeline;
  },
  groups: async (workspace: string, object: ObjectMeta, field: string, sumOf?: string, filter?: string) => {
    const aggregate = sumOf ? `count,sum:${sumOf}` : "count";
    const query = new URLSearchParams({ field, aggregate });
    if (filter) query.set("filter", filter);
    const path = `/rest/${encodeURIComponent(object.namePlural)}/groupBy?${query}`;
    return (await request<{ data: { groupBy: Group[] } }>(path, { workspace })).data.groupBy;
  },
  /** Every record the table's filter, order and columns show, as one CSV file. */
  exportRecords: async (
    workspace: string,
    plural: string,
    view: { filter?: string | undefined; orderBy?: string | undefined; fields?: string[] },
    format: "csv" | "xlsx" = "csv",
  ) => {
    const query = new URLSearchParams({ format });
    if (view.filter) query.set("filter", view.filter);
    if (view.orderBy) query.set("order_by", view.orderBy);
    if (view.fields?.length) query.set("fields", view.fields.join(","));
    return download(`/rest/${encodeURIComponent(plural)}/export?${query}`, { workspace });
  },
  search: async (workspace: string, q: string, signal?: AbortSignal) => {
    const query = new URLSearchParams({ q, limit: "20" });
    const options = signal ? { workspace, signal } : { workspace };
    return (await request<{ data: { search: SearchHit[] } }>(`/rest/search?${query}`, options)).data.search;
  },
  createRecord: async (workspace: string, object: ObjectMeta, values: Record<string, unknown>) => {
    return only(
      await request<{ data: Record<string, KithRecord> }>(`/rest/${encodeURIComponent(object.namePlural)}`, {
        method: "POST",
        body: values,
        workspace,
      }),
    );
  },
  /** The same change to every record of `ids`, in requests of a bounded address length. */
  updateRecords: async (workspace: string, object: ObjectMeta, ids: string[], values: Record<string, unknown>) => {
    for (const chunk of chunks(ids)) {
      const query = new URLSearchParams({ filter: idsFilter(chunk) });
      await request<unknown>(`/rest/${encodeURIComponent(object.namePlural)}?${query}`, { method: "PATCH", body: values, workspace });
    }
  },
  /** Every record of `ids` to the trash. */
  deleteRecords: async (workspace: string, object: ObjectMeta, ids: string[]) => {
    for (const chunk of chunks(ids)) {
      const query = new URLSearchParams({ filter: idsFilter(chunk) });
      await request<unknown>(`/rest/${encodeURIComponent(object.namePlural)}?${query}`, { method: "DELETE", workspace });
    }
  },
  views: async (workspace: string, objectId: string) => {
    const query = new URLSearchParams({ objectMetadataId: objectId });
    return (await request<{ data: { views: SavedView[] } }>(`/rest/metadata/views?${query}`, { workspace })).data.views;
  },
  createView: async (workspace: string, view: ViewInput) =>
    (await request<{ data: { createOneView: SavedView } }>("/rest/metadata/views", { method: "POST", body: view, workspace }))
      .data.createOneView,
  updateView: async (workspace: string, id: string, change: Partial<ViewInput>) =>
    (
      await request<{ data: { updateOneView: SavedView } }>(`/rest/metadata/views/${encodeURIComponent(id)}`, {
        method: "PATCH",
        body: change,
        workspace,
      })
    ).data.updateOneView,
  deleteView: (workspace: string, id: string) =>
    request<unknown>(`/rest/metadata/views/${encodeURIComponent(id)}`, { method: "DELETE", workspace }),
  // Favourites: the caller's own, in their order.
  favorites: async (workspace: string) =>
    (await request<{ data: { favorites: Favorite[] } }>("/rest/metadata/favorites", { workspace })).data.favorites,
  /** Adds a favourite last, or at `position`. */
  addFavorite: async (workspace: string, target: FavoriteTarget, position?: number) =>
    (
      await request<{ data: { createOneFavorite: Favorite } }>("/rest/metadata/favorites", {
        method: "POST",
        body: position === undefined ? target : { ...target, position },
        workspace,
      })
    ).data.createOneFavorite,
  moveFavorite: async (workspace: string, id: string, position: number) =>
    (
      await request<{ data: { updateOneFavorite: Favorite } }>(`/rest/metadata/favorites/${encodeURIComponent(id)}`, {
        method: "PATCH",
        body: { position },
        workspace,
      })
    ).data.updateOneFavorite,
  removeFavorite: (workspace: string, id: string) =>
    request<unknown>(`/rest/metadata/favorites/${encodeURIComponent(id)}`, { method: "DELETE", workspace }),
  // Record pages, notes, tasks and their links.
  recordDeep: async (workspace: string, plural: string, id: string) =>
    only(await request<{ data: Record<string, KithRecord> }>(`${recordPath(plural, id)}?depth=1`, { workspace })),
  deleteRecord: (workspace: string, plural: string, id: string) =>
    request<unknown>(recordPath(plural, id), { method: "DELETE", workspace }),
  restoreRecord: async (workspace: string, plural: string, id: string) =>
    only(
      await request<{ data: Record<string, KithRecord> }>(`/rest/restore/${encodeURIComponent(plural)}/${encodeURIComponent(id)}`, {
        method: "PATCH",
        workspace,
      }),
    ),
  /** The tasks or notes linked to a record, newest first. */
  linked: async (workspace: string, plural: string, id: string, kind: "tasks" | "notes") =>
    Object.values(
      (await request<{ data: Record<string, KithRecord[]> }>(`${recordPath(plural, id)}/${kind}`, { workspace })).data,
    )[0] ?? [],
  link: (workspace: string, kind: "tasks" | "notes", id: string, target: Target) =>
    request<unknown>(`${recordPath(kind, id)}/targets`, { method: "POST", body: target, workspace }),
  /** Search limited to some objects (plural names), for relation pickers. */
  searchIn: async (workspace: string, q: string, objects: string[], signal?: AbortSignal) => {
    const query = new URLSearchParams({ q, objects: objects.join(","), limit: "20" });
    const options = signal ? { workspace, signal } : { workspace };
    return (await request<{ data: { search: SearchHit[] } }>(`/rest/search?${query}`, options)).data.search;
  },

  updateMe: (change: ProfileChange) => request<Me>("/api/v1/me", { method: "PATCH", body: change }),
  changePassword: (currentPassword: string, newPassword: string) =>
    request<void>("/api/v1/me/password", { method: "POST", body: { currentPassword, newPassword } }),
  uploadAvatar: (image: Blob) => request<void>("/api/v1/me/avatar", { method: "PUT", bytes: image }),
  removeAvatar: () => request<void>("/api/v1/me/avatar", { method: "DELETE" }),
  logins: async () => (await request<{ data: Login[] }>("/api/v1/me/logins?limit=50")).data,
  logOutOthers: () => request<{ endedSessions: number }>("/api/v1/auth/logout-others", { method: "POST" }),
  deleteAccount: (currentPassword: string) =>
    request<void>("/api/v1/me", { method: "DELETE", body: { currentPassword } }),
  members: async (workspace: string) =>
    (await request<{ data: Member[] }>(workspacePath(workspace, "members"))).data,
  changeMemberRole: (workspace: string, userId: string, choice: RoleChoice) =>
    request<Member>(workspacePath(workspace, "members", userId), { method: "PATCH", body: choice }),
  removeMember: (workspace: string, userId: string) =>
    request<void>(workspacePath(workspace, "members", userId), { method: "DELETE" }),
  leaveWorkspace: (workspace: string) => request<void>(workspacePath(workspace, "leave"), { method: "POST" }),
  transferOwnership: async (workspace: string, userId: string) =>
    (await request<{ data: Member[] }>(workspacePath(workspace, "transfer-ownership"), { method: "POST", body: { userId } }))
      .data,
  invitations: async (workspace: string) =>
    (await request<{ data: OpenInvitation[] }>(workspacePath(workspace, "invitations"))).data,
  invite: (workspace: string, email: string, role: Exclude<Role, "owner">) =>
    request<OpenInvitation>(workspacePath(workspace, "invitations"), { method: "POST", body: { email, role } }),
  revokeInvitation: (workspace: string, invitationId: string) =>
    request<void>(workspacePath(workspace, "invitations", invitationId), { method: "DELETE" }),
  roles: async (workspace: string) =>
    (await request<{ data: WorkspaceRoleDefinition[] }>(workspacePath(workspace, "roles"))).data,
  createRole: (workspace: string, name: string, permissions: Permissions) =>
    request<WorkspaceRoleDefinition>(workspacePath(workspace, "roles"), { method: "POST", body: { name, permissions } }),
  updateRole: (workspace: string, roleId: string, name: string, permissions: Permissions) =>
    request<WorkspaceRoleDefinition>(workspacePath(workspace, "roles", roleId), { method: "PATCH", body: { name, permissions } }),
  deleteRole: (workspace: string, roleId: string) =>
    request<void>(workspacePath(workspace, "roles", roleId), { method: "DELETE" }),
  tokens: async (workspace: string) => (await request<{ data: ApiToken[] }>(workspacePath(workspace, "tokens"))).data,
  createToken: (workspace: string, input: TokenInput) =>
    request<CreatedToken>(workspacePath(workspace, "tokens"), { method: "POST", body: input }),
  revokeToken: (workspace: string, tokenId: string) =>
    request<void>(workspacePath(workspace, "tokens", tokenId), { method: "DELETE" }),
  myConnectedApps: async () => (await request<{ data: ConnectedApp[] }>("/api/v1/me/connected-apps")).data,
  disconnectMyApp: (grantId: string) =>
    request<void>(`/api/v1/me/connected-apps/${encodeURIComponent(grantId)}`, { method: "DELETE" }),
  workspaceConnectedApps: async (workspace: string) =>
    (await request<{ data: ConnectedApp[] }>(workspacePath(workspace, "connected-apps"))).data,
  disconnectWorkspaceApp: (workspace: string, grantId: string) =>
    request<void>(workspacePath(workspace, "connected-apps", grantId), { method: "DELETE" }),
  authorization: (params: AuthorizationRequest) =>
    request<AuthorizationPrompt>(`/api/v1/oauth/authorization?${new URLSearchParams(params)}`),
  /** The person's answer; the browser then goes to `redirectTo`, back to the client. */
  decideAuthorization: (authorization: AuthorizationRequest, decision: AuthorizationDecision) =>
    request<{ redirectTo: string }>("/api/v1/oauth/authorization", {
      method: "POST",
      body: { request: authorization, ...decision },
    }),
  createObject: async (workspace: string, input: ObjectInput) =>
    (await request<{ data: { createOneObject: ObjectMeta } }>("/rest/metadata/objects", { method: "POST", body: input, workspace }))
      .data.createOneObject,
  createField: async (workspace: string, input: FieldInput) =>
    (await request<{ data: { createOneField: FieldMeta } }>("/rest/metadata/fields", { method: "POST", body: input, workspace }))
      .data.createOneField,
  updateField: (workspace: string, fieldId: string, change: FieldChange) =>
    request<unknown>(`/rest/metadata/fields/${encodeURIComponent(fieldId)}`, { method: "PATCH", body: change, workspace }),
  deleteField: (workspace: string, fieldId: string) =>
    request<unknown>(`/rest/metadata/fields/${encodeURIComponent(fieldId)}`, { method: "DELETE", workspace }),
  /** The records of an object in its trash, the latest deleted first. */
  trash: (workspace: string, plural: string, cursor: string | null = null): Promise<Page> =>
    api.page(workspace, plural, cursor, { filter: "deletedAt[is]:NOT_NULL", orderBy: "deletedAt[DescNullsLast]" }),
  changeSets: async (workspace: string) =>
    (await request<{ data: ChangeSet[] }>(`${workspacePath(workspace, "change-sets")}?limit=50`)).data,
  revertChangeSet: (workspace: string, changeSetId: string) =>
    request<RevertResult>(workspacePath(workspace, "change-sets", changeSetId, "revert"), { method: "POST" }),
  audit: (workspace: string, query: AuditQuery) => {
    const params = new URLSearchParams({ limit: "50" });
    if (query.principal) params.set("principal", query.principal);
    if (query.action) params.set("action", query.action);
    if (query.cursor) params.set("cursor", query.cursor);
    return request<AuditPage>(`${workspacePath(workspace, "audit")}?${params}`);
  },
  /** What the workspace holds about one email address: to hand over or to erase. */
  findSubject: (workspace: string, email: string) =>
    request<Subject>(`${workspacePath(workspace, "privacy", "subject")}?${new URLSearchParams({ email })}`),
  /** Erases the address's records, mentions and traces for good. */
  eraseSubject: (workspace: string, email: string) =>
    request<Erasure>(workspacePath(workspace, "privacy", "erasures"), { method: "POST", body: { email } }),
  /** The erasure log, the latest first. */
  erasures: async (workspace: string) =>
    (await request<{ data: Erasure[] }>(workspacePath(workspace, "privacy", "erasures"))).data,
};
