// The one place the app talks to the server. Every call goes through `request`: JSON in and out,
// the session cookie, the CSRF header on changes, the workspace header for /rest, and the
// server's error shape turned into an `ApiError` the screens can show.

export interface FieldError {
  field: string;
  message: string;
}

/** An answer other than 2xx, as the server explained it. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: FieldError[];

  constructor(status: number, code: string, message: string, details: FieldError[] = []) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** The message for one field, if the server named it. */
  forField(field: string): string | undefined {
    return this.details.find((detail) => detail.field === field)?.message;
  }
}

export type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

export interface RequestOptions {
  method?: Method;
  body?: unknown;
  /** Raw bytes sent as they are (an avatar), with their own type, instead of a JSON body. */
  bytes?: Blob;
  /** The workspace a `/rest` call works in. */
  workspace?: string;
  signal?: AbortSignal;
}

const CSRF_COOKIE = "kith_csrf";

/** The CSRF token the server set beside the session cookie, if any. */
export function csrfToken(cookies: string = document.cookie): string | undefined {
  for (const pair of cookies.split(";")) {
    const [name, ...value] = pair.trim().split("=");
    if (name === CSRF_COOKIE) return decodeURIComponent(value.join("="));
  }
  return undefined;
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? "GET";
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.bytes) headers["content-type"] = options.bytes.type;
  else if (options.body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET") {
    const token = csrfToken();
    if (token) headers["x-csrf-token"] = token;
  }
  if (options.workspace) headers["x-kith-workspace"] = options.workspace;
  const init: RequestInit = { method, headers, credentials: "same-origin" };
  if (options.bytes) init.body = options.bytes;
  else if (options.body !== undefined) init.body = JSON.stringify(options.body);
  if (options.signal) init.signal = options.signal;
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw new ApiError(0, "network", "Kith cannot be reached. Check your connection and try again.");
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const json: unknown = text ? parseJson(text) : undefined;
  if (!response.ok) throw errorFrom(response.status, json);
  return json as T;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; details?: unknown };
}

function errorFrom(status: number, json: unknown): ApiError {
  const error = (json as ErrorBody | undefined)?.error;
  const code = typeof error?.code === "string" ? error.code : `http_${status}`;
  const message =
    typeof error?.message === "string" ? error.message : `The server answered ${status}.`;
  const details = Array.isArray(error?.details)
    ? error.details.filter(
        (d): d is FieldError =>
          typeof d === "object" && d !== null && typeof d.field === "string" && typeof d.message === "string",
      )
    : [];
  return new ApiError(status, code, message, details);
}

/** A file the server sends as an attachment (an export), read whole, with the name it gave. */
export async function download(path: string, options: { workspace?: string } = {}): Promise<{ blob: Blob; filename: string }> {
  const headers: Record<string, string> = { accept: "*/*" };
  if (options.workspace) headers["x-kith-workspace"] = options.workspace;
  let response: Response;
  try {
    response = await fetch(path, { headers, credentials: "same-origin" });
  } catch {
    throw new ApiError(0, "network", "Kith cannot be reached. Check your connection and try again.");
  }
  if (!response.ok) {
    const text = await response.text();
    throw errorFrom(response.status, text ? parseJson(text) : undefined);
  }
  const disposition = response.headers.get("content-disposition") ?? "";
  const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? "export";
  return { blob: await response.blob(), filename };
}

/** One server-sent event. */
export interface StreamEvent {
  event: string;
  id: string;
  data: string;
}

/** Splits what arrived of an event stream into whole events (keep-alive comments and events
 *  without a name dropped) and the rest, still incomplete. */
export function parseEvents(buffer: string): { events: StreamEvent[]; rest: string } {
  const frames = buffer.replace(/\r\n/g, "\n").split("\n\n");
  const rest = frames.pop() ?? "";
  const events: StreamEvent[] = [];
  for (const frame of frames) {
    const event: StreamEvent = { event: "", id: "", data: "" };
    const data: string[] = [];
    for (const line of frame.split("\n")) {
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      const name = line.slice(0, colon);
      const value = line.slice(colon + 1).replace(/^ /, "");
      if (name === "data") data.push(value);
      else if (name === "event") event.event = value;
      else if (name === "id") event.id = value;
    }
    event.data = data.join("\n");
    if (event.event) events.push(event);
  }
  return { events, rest };
}

/** Reads a `text/event-stream` answer of `path` until it ends (or `signal` aborts), handing
 *  each event to `onEvent`. Sent with the same headers as `request`, so it is a fetch rather
 *  than an EventSource (which cannot send the workspace header). */
export async function stream(
  path: string,
  options: { workspace?: string; lastEventId?: string; signal: AbortSignal },
  onEvent: (event: StreamEvent) => void,
): Promise<void> {
  const headers: Record<string, string> = { accept: "text/event-stream" };
  if (options.workspace) headers["x-kith-workspace"] = options.workspace;
  if (options.lastEventId) headers["last-event-id"] = options.lastEventId;
  const response = await fetch(path, { headers, credentials: "same-origin", signal: options.signal });
  if (!response.ok || !response.body) {
    const text = await response.text();
    throw errorFrom(response.status, text ? parseJson(text) : undefined);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    const parsed = parseEvents(buffer + value);
    buffer = parsed.rest;
    parsed.events.forEach(onEvent);
  }
}
