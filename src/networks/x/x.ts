import type {
  LookupResult,
  NetworkCredentials,
  OutgoingPost,
  PublishContext,
  PublishOutcome,
  SocialNetwork,
} from '../../ports/social-network.ts';
import { isFailure, type NetworkResponse, retryAfterMs, sendRequest } from '../http-client.ts';

const DEFAULT_API = 'https://api.x.com';

interface XError {
  title?: string;
  detail?: string;
  status?: number;
}

/**
 * X (API v2). X has no idempotency key, so a request that may have gone out is never simply sent
 * again: the publisher first asks `lookupPublished`, which reads the account's recent posts for
 * this text, and retries only when that proves the post absent.
 */
export class XNetwork implements SocialNetwork {
  readonly id = 'x';
  readonly capabilities = {
    idempotentPublish: false,
    lookupPublished: true,
    refreshableCredentials: true,
    maxConcurrency: 256,
  };

  constructor(
    private readonly options: { clientId?: string; clientSecret?: string; timeoutMs?: number } = {},
  ) {}

  async publish(ctx: PublishContext, post: OutgoingPost): Promise<PublishOutcome> {
    const base = apiBase(ctx);
    const ids = [...(post.publishedParts ?? [])];
    for (let i = ids.length; i < post.parts.length; i++) {
      const part = post.parts[i]!;
      if (part.media.length > 0)
        return { kind: 'invalid', reason: 'Attaching media to X posts is not supported yet.' };
      const res = await sendRequest({
        method: 'POST',
        url: `${base}/2/tweets`,
        headers: { authorization: `Bearer ${ctx.credentials.accessToken}` },
        json: { text: part.text, ...(i > 0 ? { reply: { in_reply_to_tweet_id: ids[i - 1] } } : {}) },
        timeoutMs: this.options.timeoutMs,
        signal: ctx.signal,
      });
      if (isFailure(res)) {
        return res.delivery === 'not_sent'
          ? { kind: 'retryable', reason: `Could not reach X: ${res.reason}` }
          : { kind: 'unknown', reason: `No answer from X: ${res.reason}` };
      }
      if (res.status === 201 || res.status === 200) {
        ids.push((res.body as { data: { id: string } }).data.id);
        continue;
      }
      return classify(res);
    }
    return { kind: 'published', networkPostId: ids[0]!, url: postUrl(ctx, ids[0]!) };
  }

  /** Looks for the first part's text among the account's posts since the attempt began. */
  async lookupPublished(ctx: PublishContext, post: OutgoingPost, since: Date): Promise<LookupResult> {
    const base = apiBase(ctx);
    const url = new URL(`${base}/2/users/${encodeURIComponent(ctx.channel.accountId)}/tweets`);
    url.searchParams.set('start_time', new Date(since.getTime() - 60_000).toISOString());
    url.searchParams.set('max_results', '100');
    const res = await sendRequest({
      method: 'GET',
      url: url.toString(),
      headers: { authorization: `Bearer ${ctx.credentials.accessToken}` },
      timeoutMs: this.options.timeoutMs,
    });
    if (isFailure(res) || res.status !== 200) {
      throw new Error(
        `could not read the account's recent posts: ${isFailure(res) ? res.reason : res.status}`,
      );
    }
    const text = post.parts[0]?.text;
    const found = ((res.body as { data?: { id: string; text: string }[] }).data ?? []).find(
      (t) => t.text === text,
    );
    return found ? { found: true, networkPostId: found.id, url: postUrl(ctx, found.id) } : { found: false };
  }

  async refreshCredentials(ctx: PublishContext): Promise<NetworkCredentials> {
    if (!ctx.credentials.refreshToken) throw new Error('no refresh token was stored for this account');
    const headers: Record<string, string> = {};
    if (this.options.clientId && this.options.clientSecret) {
      headers.authorization = `Basic ${Buffer.from(`${this.options.clientId}:${this.options.clientSecret}`).toString('base64')}`;
    }
    const res = await sendRequest({
      method: 'POST',
      url: `${apiBase(ctx)}/2/oauth2/token`,
      headers,
      form: {
        grant_type: 'refresh_token',
        refresh_token: ctx.credentials.refreshToken,
        ...(this.options.clientId ? { client_id: this.options.clientId } : {}),
      },
    });
    if (isFailure(res) || res.status !== 200) {
      throw new Error(`X refused to refresh the token: ${isFailure(res) ? res.reason : errorText(res)}`);
    }
    const body = res.body as { access_token: string; refresh_token?: string; expires_in?: number };
    return {
      ...ctx.credentials,
      accessToken: body.access_token,
      refreshToken: body.refresh_token ?? ctx.credentials.refreshToken,
      ...(body.expires_in ? { expiresAt: new Date(Date.now() + body.expires_in * 1000).toISOString() } : {}),
    };
  }

  async deletePost(ctx: PublishContext, networkPostId: string): Promise<void> {
    const res = await sendRequest({
      method: 'DELETE',
      url: `${apiBase(ctx)}/2/tweets/${encodeURIComponent(networkPostId)}`,
      headers: { authorization: `Bearer ${ctx.credentials.accessToken}` },
    });
    if (isFailure(res) || (res.status >= 300 && res.status !== 404)) {
      throw new Error(`X did not delete the post: ${isFailure(res) ? res.reason : res.status}`);
    }
  }
}

function apiBase(ctx: PublishContext): string {
  return (ctx.channel.serviceUrl ?? DEFAULT_API).replace(/\/+$/, '');
}

function postUrl(ctx: PublishContext, id: string): string {
  return `https://x.com/${encodeURIComponent(ctx.channel.handle.replace(/^@/, ''))}/status/${id}`;
}

function errorText(res: NetworkResponse): string {
  const body = res.body as XError | string;
  if (typeof body === 'object' && body) return body.detail ?? body.title ?? `HTTP ${res.status}`;
  return `HTTP ${res.status}`;
}

function classify(res: NetworkResponse): PublishOutcome {
  const why = errorText(res);
  if (res.status === 429) {
    return {
      kind: 'rate_limited',
      retryAfterMs: retryAfterMs(res.headers, 'x-rate-limit-reset'),
      reason: 'X is rate limiting this account.',
    };
  }
  if (res.status === 401)
    return { kind: 'auth_expired', reason: `X no longer accepts Spool's access: ${why}` };
  // X may have created the post before a 5xx: only a lookup can tell.
  if (res.status >= 500) return { kind: 'unknown', reason: `X answered ${res.status}: ${why}` };
  if (res.status === 408) return { kind: 'unknown', reason: 'X timed out.' };
  return { kind: 'invalid', reason: `X refused the post: ${why}` };
}
