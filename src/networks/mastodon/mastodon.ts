import type { Dispatcher } from 'undici';
import type {
  NetworkCredentials,
  OutgoingPost,
  PublishContext,
  PublishOutcome,
  SocialNetwork,
} from '../../ports/social-network.ts';
import { isFailure, sendRequest } from '../http-client.ts';
import { blockedLiteralReason, instanceDispatcher } from './instance-address.ts';
import {
  bearer,
  classifyResponse,
  errorText,
  failureOutcome,
  hostOf,
  instanceBase,
  isSuccess,
  type MastodonStatus,
} from './mastodon-api.ts';
import { uploadAllMedia } from './mastodon-media.ts';
import { parseMastodonOptions, statusBody } from './mastodon-options.ts';

/** What Spool stores for a Mastodon channel (sealed): the token and the app that obtained it. */
export interface MastodonCredentials extends NetworkCredentials {
  clientId?: string;
  clientSecret?: string;
  scope?: string;
}

/** Likes, boosts and replies of one status, as the instance counts them. */
export interface PostMetrics {
  likes: number;
  reposts: number;
  replies: number;
}

export type PublishedPostState =
  | { exists: true; networkPostId: string; url: string | null; metrics: PostMetrics }
  | { exists: false };

/** An outgoing post may carry per-network options; Mastodon's are checked by the adapter. */

export interface MastodonOptions {
  timeoutMs?: number;
  /** How long to wait for the instance to process one media upload. */
  mediaProcessingTimeoutMs?: number;
  /** False in production: instances resolving to private or loopback addresses are refused. */
  allowPrivateAddresses?: boolean;
}

const MAX_MEDIA = 4;

/**
 * Mastodon (any instance). Every create carries an Idempotency-Key derived from our target id and
 * the part's position, so a retry after an unknown outcome returns the status created the first
 * time instead of posting again. Servers that ignore the header (snac2) cannot give that promise.
 */
export class MastodonNetwork implements SocialNetwork {
  readonly id = 'mastodon';
  readonly capabilities = {
    idempotentPublish: true,
    lookupPublished: false,
    refreshableCredentials: true,
    maxConcurrency: 256,
  };
  private readonly dispatcher: Dispatcher;

  constructor(private readonly options: MastodonOptions = {}) {
    this.dispatcher = instanceDispatcher(options.allowPrivateAddresses ?? true);
  }

  async publish(ctx: PublishContext, post: OutgoingPost): Promise<PublishOutcome> {
    const base = instanceBase(ctx);
    const blocked = blockedLiteralReason(base, this.options.allowPrivateAddresses ?? true);
    if (blocked) return { kind: 'invalid', reason: `Spool does not connect to this server: ${blocked}.` };
    const parsed = parseMastodonOptions(post.networkOptions?.mastodon);
    if (!parsed.ok) return { kind: 'invalid', reason: parsed.reason };
    const options = parsed.options;
    const problem = precheck(post, options.poll !== undefined);
    if (problem) return { kind: 'invalid', reason: problem };

    const ids = [...(post.publishedParts ?? [])];
    let firstUrl: string | null = null;
    for (let i = ids.length; i < post.parts.length; i++) {
      const part = post.parts[i]!;
      const media = await uploadAllMedia(part.media, {
        base,
        accessToken: ctx.credentials.accessToken,
        timeoutMs: this.timeoutMs(),
        processingTimeoutMs: this.options.mediaProcessingTimeoutMs ?? 60_000,
        dispatcher: this.dispatcher,
        signal: ctx.signal,
      });
      if (!media.ok) return media.outcome;
      const res = await sendRequest(
        {
          method: 'POST',
          url: `${base}/api/v1/statuses`,
          headers: {
            ...bearer(ctx.credentials.accessToken),
            'idempotency-key': `spool-${post.targetId}-${i}`,
          },
          json: statusBody({
            text: part.text,
            options,
            mediaIds: media.ids,
            inReplyToId: ids[i - 1],
            isFirst: i === 0,
          }),
          timeoutMs: this.timeoutMs(),
          signal: ctx.signal,
        },
        this.dispatcher,
      );
      if (isFailure(res)) return failureOutcome(res, base);
      if (!isSuccess(res)) return classifyResponse(res, base);
      const status = res.body as MastodonStatus;
      if (status?.id === undefined || status.id === null) {
        return { kind: 'unknown', reason: `${hostOf(base)} answered without the new status's id.` };
      }
      ids.push(String(status.id));
      if (i === 0) firstUrl = status.url ?? status.uri ?? null;
    }
    const firstId = ids[0]!;
    if (firstUrl === null) {
      // Resumed thread: the first status came from an earlier attempt; ask for its address.
      const first = await this.readPublished(ctx, firstId).catch(() => undefined);
      firstUrl = first?.exists ? first.url : null;
    }
    return { kind: 'published', networkPostId: firstId, url: firstUrl };
  }

  /** GET /api/v1/statuses/:id: whether the status still exists, its URL and its counts. */
  async readPublished(ctx: PublishContext, networkPostId: string): Promise<PublishedPostState> {
    const base = instanceBase(ctx);
    const res = await sendRequest(
      {
        method: 'GET',
        url: `${base}/api/v1/statuses/${encodeURIComponent(networkPostId)}`,
        headers: bearer(ctx.credentials.accessToken),
        timeoutMs: this.timeoutMs(),
      },
      this.dispatcher,
    );
    if (isFailure(res)) throw new Error(`could not reach ${hostOf(base)}: ${res.reason}`);
    if (res.status === 404 || res.status === 410) return { exists: false };
    if (!isSuccess(res)) throw new Error(`${hostOf(base)} answered ${res.status}: ${errorText(res)}`);
    const status = res.body as MastodonStatus;
    return {
      exists: true,
      networkPostId: String(status.id),
      url: status.url ?? status.uri ?? null,
      metrics: {
        likes: status.favourites_count ?? 0,
        reposts: status.reblogs_count ?? 0,
        replies: status.replies_count ?? 0,
      },
    };
  }

  /** Likes, boosts and replies per status; statuses that are gone are left out. */
  async fetchMetrics(ctx: PublishContext, networkPostIds: string[]): Promise<Map<string, PostMetrics>> {
    const metrics = new Map<string, PostMetrics>();
    for (const id of networkPostIds) {
      const state = await this.readPublished(ctx, id);
      if (state.exists) metrics.set(id, state.metrics);
    }
    return metrics;
  }

  /** POST /oauth/token with grant_type=refresh_token, when the instance issued a refresh token. */
  async refreshCredentials(ctx: PublishContext): Promise<NetworkCredentials> {
    const credentials = ctx.credentials as MastodonCredentials;
    if (!credentials.refreshToken)
      throw new Error('this Mastodon server issued no refresh token; reconnect the channel');
    if (!credentials.clientId || !credentials.clientSecret)
      throw new Error('the app that obtained this token is unknown');
    const base = instanceBase(ctx);
    const res = await sendRequest(
      {
        method: 'POST',
        url: `${base}/oauth/token`,
        form: {
          grant_type: 'refresh_token',
          refresh_token: credentials.refreshToken,
          client_id: credentials.clientId,
          client_secret: credentials.clientSecret,
        },
        timeoutMs: this.timeoutMs(),
      },
      this.dispatcher,
    );
    if (isFailure(res) || !isSuccess(res)) {
      throw new Error(
        `${hostOf(base)} refused to refresh the token: ${isFailure(res) ? res.reason : errorText(res)}`,
      );
    }
    const body = res.body as {
      access_token?: string;
      refresh_token?: string;
      expires_in?: number;
      scope?: string;
    };
    if (!body.access_token) throw new Error(`${hostOf(base)} answered a refresh without an access token`);
    return {
      ...credentials,
      accessToken: body.access_token,
      refreshToken: body.refresh_token ?? credentials.refreshToken,
      ...(body.expires_in ? { expiresAt: new Date(Date.now() + body.expires_in * 1000).toISOString() } : {}),
      ...(body.scope ? { scope: body.scope } : {}),
    };
  }

  async deletePost(ctx: PublishContext, networkPostId: string): Promise<void> {
    const base = instanceBase(ctx);
    const res = await sendRequest(
      {
        method: 'DELETE',
        url: `${base}/api/v1/statuses/${encodeURIComponent(networkPostId)}`,
        headers: bearer(ctx.credentials.accessToken),
        timeoutMs: this.timeoutMs(),
      },
      this.dispatcher,
    );
    if (isFailure(res)) throw new Error(`Mastodon did not delete the post: ${res.reason}`);
    if (isSuccess(res)) return;
    if (res.status !== 404) throw new Error(`Mastodon did not delete the post: ${errorText(res)}`);
    // A 404 means "already gone", or a server without the delete route (snac2 before 2.84): ask.
    const state = await this.readPublished(ctx, networkPostId);
    if (state.exists) {
      throw new Error(
        `${hostOf(base)} does not support deleting posts through its API; delete it on the server itself.`,
      );
    }
  }

  private timeoutMs(): number {
    return this.options.timeoutMs ?? 30_000;
  }
}

/** What Mastodon would refuse anyway, said in words before anything is sent. */
function precheck(post: OutgoingPost, hasPoll: boolean): string | undefined {
  if (post.parts.length === 0) return 'The post has no text.';
  const from = post.publishedParts?.length ?? 0;
  for (const [i, part] of post.parts.entries()) {
    if (i < from) continue; // published by an earlier attempt
    const where = post.parts.length > 1 ? ` (part ${i + 1} of the thread)` : '';
    if (part.text.trim() === '' && part.media.length === 0)
      return `A Mastodon post needs text or media${where}.`;
    if (part.media.length > MAX_MEDIA) return `Mastodon allows at most ${MAX_MEDIA} media per post${where}.`;
  }
  if (hasPoll && from === 0 && post.parts[0]!.media.length > 0)
    return 'A Mastodon post cannot have both a poll and media.';
  return undefined;
}
