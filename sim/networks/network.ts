import type { IncomingHttpHeaders } from 'node:http';
import type { SimAccount, SimToken, TokenOptions } from '../credentials.ts';
import type { SimState } from '../state.ts';

/** The contract every simulated network implements; the server and fault engine stay generic. */

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  contentType?: string;
}

export interface RouteContext {
  method: string;
  /** Values of the `:name` segments, in order. */
  params: string[];
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** `http://host:port`, from the request's Host header. */
  origin: string;
  /** Set on routes with `auth: true`, once the bearer token was accepted. */
  account: SimAccount | null;
  token: SimToken | null;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Relative to the network's prefix, e.g. `/api/v1/statuses/:id`. */
  path: string;
  auth: boolean;
  handle(ctx: RouteContext): Reply;
}

export type UnauthorizedReason = 'missing' | 'invalid' | 'expired';

export interface RateLimitInfo {
  limit: number;
  remaining: number;
  resetAtMs: number;
  retryAfterSeconds: number;
}

/** Error replies in the network's own wire format. */
export interface NetworkErrors {
  unauthorized(reason: UnauthorizedReason): Reply;
  rateLimited(info: RateLimitInfo): Reply;
  serverError(status: 500 | 502 | 503): Reply;
  notFound(): Reply;
  badRequest(message: string): Reply;
}

export interface SimNetwork {
  /** Also the URL prefix: `/${name}/...`. */
  name: string;
  ids: { epochMs: number; seqBits: number };
  /** How tokens made through the control API look on this network. */
  tokenOptions: TokenOptions;
  routes: Route[];
  errors: NetworkErrors;
}

export interface NetworkDeps {
  state: SimState;
}

/** Parses a JSON or form-encoded body into a flat record; `name[]` form keys become arrays. */
export function readParams(ctx: RouteContext): Record<string, unknown> | null {
  if (ctx.body.length === 0) return {};
  const type = ctx.headers['content-type'] ?? '';
  if (type.startsWith('application/json')) {
    try {
      const parsed: unknown = JSON.parse(ctx.body.toString('utf8'));
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : null;
    } catch {
      return null;
    }
  }
  if (type.startsWith('application/x-www-form-urlencoded')) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of new URLSearchParams(ctx.body.toString('utf8'))) {
      if (key.endsWith('[]')) {
        const name = key.slice(0, -2);
        const list = out[name];
        if (Array.isArray(list)) list.push(value);
        else out[name] = [value];
      } else {
        out[key] = value;
      }
    }
    return out;
  }
  return {};
}

export function stringParam(params: Record<string, unknown>, name: string): string | undefined {
  const value = params[name];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

export function stringListParam(params: Record<string, unknown>, name: string): string[] {
  const value = params[name];
  if (!Array.isArray(value)) return [];
  return value
    .filter((v): v is string | number => typeof v === 'string' || typeof v === 'number')
    .map(String);
}

export function singleHeader(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}

/** The mime type of the first file part of a multipart body, without parsing the whole body. */
export function multipartFileType(body: Buffer): string | null {
  const head = body.subarray(0, 2048).toString('latin1');
  const match = /content-type:\s*([^\r\n;]+)/i.exec(head);
  return match?.[1]?.trim() ?? null;
}

/** Minimal HTML the way Mastodon renders plain text: paragraphs and line breaks, escaped. */
const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] ?? c);
}
