import type { PublishContext, PublishOutcome } from '../../ports/social-network.ts';
import { type NetworkFailure, type NetworkResponse, retryAfterMs } from '../http-client.ts';

/** The parts of Mastodon's JSON entities Spool reads (docs.joinmastodon.org/entities). */
export interface MastodonStatus {
  id: string;
  url?: string | null;
  uri?: string;
  in_reply_to_id?: string | null;
  favourites_count?: number;
  reblogs_count?: number;
  replies_count?: number;
}

export interface MastodonMediaAttachment {
  id: string;
  url?: string | null;
}

export interface MastodonAccount {
  id: string;
  username: string;
  acct: string;
  display_name?: string;
  avatar?: string | null;
  url?: string | null;
}

/** The instance's base URL, without a trailing slash. */
export function instanceBase(ctx: Pick<PublishContext, 'channel'>): string {
  if (!ctx.channel.serviceUrl) throw new Error('a Mastodon channel needs its instance URL');
  return ctx.channel.serviceUrl.replace(/\/+$/, '');
}

export function hostOf(base: string): string {
  return new URL(base).host;
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** Mastodon's error body is `{ "error": "..." }`; proxies in front of it answer HTML. */
export function errorText(res: NetworkResponse): string {
  const body = res.body as { error?: unknown; error_description?: unknown } | string;
  if (typeof body === 'object' && body !== null) {
    if (typeof body.error_description === 'string') return body.error_description;
    if (typeof body.error === 'string') return body.error;
  }
  return `HTTP ${res.status}`;
}

/** A transport failure: `not_sent` is safe to retry, anything else may have reached the instance. */
export function failureOutcome(failure: NetworkFailure, base: string): PublishOutcome {
  // Refused by the SSRF rules in the connection's lookup: nothing left, and retrying cannot help.
  if (failure.reason.startsWith('ESPOOLBLOCKED')) {
    return {
      kind: 'invalid',
      reason: `Spool does not connect to ${hostOf(base)}: ${failure.reason.slice(15)}.`,
    };
  }
  return failure.delivery === 'not_sent'
    ? { kind: 'retryable', reason: `Could not reach ${hostOf(base)}: ${failure.reason}` }
    : { kind: 'unknown', reason: `No answer from ${hostOf(base)}: ${failure.reason}` };
}

/** Turns a non-2xx answer into an outcome in our terms. */
export function classifyResponse(res: NetworkResponse, base: string): PublishOutcome {
  const host = hostOf(base);
  const why = errorText(res);
  if (res.status === 429) {
    return {
      kind: 'rate_limited',
      retryAfterMs: retryAfterMs(res.headers, 'x-ratelimit-reset'),
      reason: `${host} is rate limiting this account.`,
    };
  }
  if (res.status === 401)
    return { kind: 'auth_expired', reason: `${host} no longer accepts Spool's access: ${why}` };
  if (res.status === 408 || res.status >= 500)
    return { kind: 'retryable', reason: `${host} answered ${res.status}: ${why}` };
  if (res.status === 403)
    return { kind: 'invalid', reason: `${host} does not allow this account to post: ${why}` };
  return { kind: 'invalid', reason: `${host} refused the post: ${why}` };
}

export function isSuccess(res: NetworkResponse): boolean {
  return res.status >= 200 && res.status < 300;
}
