import { Agent, type Dispatcher, request } from 'undici';

/**
 * The outbound HTTP client of network adapters: keep-alive connection pools and a strict notion of
 * whether a failed request may have reached the network, which decides if a retry is safe.
 */
export interface NetworkResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text: string;
}

export type NetworkFailure = {
  /** `not_sent`: the connection never opened, so nothing reached the network. */
  delivery: 'not_sent' | 'maybe_sent';
  reason: string;
};

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  json?: unknown;
  form?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

let sharedAgent: Agent | undefined;
export function networkAgent(): Dispatcher {
  sharedAgent ??= new Agent({ connections: 512, keepAliveTimeout: 30_000, pipelining: 1 });
  return sharedAgent;
}

export async function sendRequest(
  req: HttpRequest,
  dispatcher = networkAgent(),
): Promise<NetworkResponse | NetworkFailure> {
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  let body: string | undefined;
  if (req.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(req.json);
  } else if (req.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(req.form).toString();
  }
  const timeout = req.timeoutMs ?? 30_000;
  try {
    const res = await request(req.url, {
      method: req.method,
      headers,
      body,
      dispatcher,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      signal: req.signal,
    });
    const text = await res.body.text();
    let parsed: unknown = text;
    if (String(res.headers['content-type'] ?? '').includes('json') && text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.statusCode, headers: res.headers, body: parsed, text };
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as Error).name;
    return {
      delivery: CONNECT_ERRORS.has(code) ? 'not_sent' : 'maybe_sent',
      reason: `${code}: ${(error as Error).message}`,
    };
  }
}

export function isFailure(result: NetworkResponse | NetworkFailure): result is NetworkFailure {
  return 'delivery' in result;
}

/** Reads Retry-After (seconds or an HTTP date) or a reset epoch header into milliseconds from now. */
export function retryAfterMs(
  headers: NetworkResponse['headers'],
  resetHeader?: string,
  fallbackMs = 60_000,
): number {
  const value = headers['retry-after'];
  const text = Array.isArray(value) ? value[0] : value;
  if (text) {
    const seconds = Number(text);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(text);
    if (Number.isFinite(date)) return Math.max(0, date - Date.now());
  }
  if (resetHeader) {
    const reset = headers[resetHeader];
    const r = Array.isArray(reset) ? reset[0] : reset;
    if (r) {
      const n = Number(r);
      // An epoch in seconds (X) or an ISO time (Mastodon).
      const at = Number.isFinite(n) ? n * 1000 : Date.parse(r);
      if (Number.isFinite(at)) return Math.max(0, at - Date.now());
    }
  }
  return fallbackMs;
}
