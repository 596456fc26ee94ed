/**
 * The dashboard's only way to the server: the public REST API, with the session cookie, the CSRF
 * header on writes and the error envelope turned into an `ApiError` a form can show per field.
 */

export interface Issue {
  /** Where the problem is, as the server names it: `body.email`, `body.schedule.at`. */
  path: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** Validation problems per field: the field name without the `body.` prefix, e.g. `email`. */
  fieldErrors(): Record<string, string> {
    const fields: Record<string, string> = {};
    const issues = Array.isArray(this.details.issues) ? (this.details.issues as Issue[]) : [];
    for (const issue of issues) {
      const field = issue.path.replace(/^(body|query|querystring|params)\.?/, '');
      if (field && !(field in fields)) fields[field] = issue.message;
    }
    // Domain errors name their field in `details.field` (e.g. a wrong current password).
    if (typeof this.details.field === 'string' && !(this.details.field in fields)) {
      fields[this.details.field] = this.message;
    }
    return fields;
  }
}

let csrfToken: string | undefined;

/** Set from sign-in, sign-up and /api/me; every cookie-authenticated write sends it back. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when the session has ended, so the shell can show the sign-in screen. */
let onSignedOut: (() => void) | undefined;
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

const SAFE = new Set(['GET', 'HEAD']);

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** Creating POSTs send a fresh key so a retried request never creates twice. */
  idempotent?: boolean;
  signal?: AbortSignal;
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? (options.body === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = { accept: 'application/json' };
  let body: BodyInit | undefined;
  if (options.body instanceof FormData) {
    body = options.body;
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  if (!SAFE.has(method) && csrfToken) headers['x-csrf-token'] = csrfToken;
  if (options.idempotent) headers['idempotency-key'] = crypto.randomUUID();
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: options.signal ?? null,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(
      0,
      'network.offline',
      'Spool could not be reached. Check your connection and try again.',
    );
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const parsed: unknown = text ? safeJson(text) : undefined;
  if (!response.ok) {
    const envelope = (
      parsed as { error?: { code?: string; message?: string; details?: Record<string, unknown> } }
    )?.error;
    const error = new ApiError(
      response.status,
      envelope?.code ?? 'http.error',
      envelope?.message ?? `The server answered ${response.status}.`,
      envelope?.details ?? {},
    );
    if (response.status === 401 && path !== '/api/me') onSignedOut?.();
    throw error;
  }
  return parsed as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Every page of a cursor-paginated list (`items`, `nextCursor`), up to `max` items. `onPage` sees
 * the items so far after each page, so a long list can show its start while the rest loads.
 */
export async function allPages<T>(
  path: string,
  max = 5000,
  signal?: AbortSignal,
  onPage?: (itemsSoFar: T[]) => void,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  const join = path.includes('?') ? '&' : '?';
  do {
    const suffix: string = cursor
      ? `${join}limit=100&cursor=${encodeURIComponent(cursor)}`
      : `${join}limit=100`;
    const page: { items: T[]; nextCursor: string | null } = await api(`${path}${suffix}`, { signal });
    items.push(...page.items);
    cursor = page.nextCursor;
    if (cursor && onPage && !signal?.aborted) onPage(items.slice());
  } while (cursor && items.length < max);
  return items;
}
