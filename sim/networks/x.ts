import { createRequire } from 'node:module';
import type { SimAccount } from '../credentials.ts';
import { compareIds, type SimPost } from '../state.ts';
import {
  multipartFileType,
  type NetworkDeps,
  type Reply,
  type RouteContext,
  readParams,
  type SimNetwork,
  singleHeader,
  stringParam,
} from './network.ts';
import { authorizeAndRedirect } from './oauth.ts';

/**
 * X API v2 (docs.x.com/x-api): POST/GET/DELETE /2/tweets, /2/users/me, media upload, OAuth 2 with
 * PKCE and refresh tokens. No idempotency; a live tweet's exact text is rejected as a duplicate.
 * Base URL: `${simulatorUrl}/x`.
 */

// twitter-text is CommonJS without named ESM exports.
const twitterText = createRequire(import.meta.url)('twitter-text') as typeof import('twitter-text');

export interface XOptions {
  /** Lifetime of access tokens (X: 2 hours). */
  accessTokenTtlSeconds?: number;
  /** Reject a tweet whose text equals a live tweet of the same user (X does). */
  rejectDuplicateText?: boolean;
}

const NAME = 'x';
const TWITTER_EPOCH_MS = 1_288_834_974_657;
const INVALID_REQUEST = 'https://api.twitter.com/2/problems/invalid-request';

function problem(status: number, title: string, detail: string, type = 'about:blank'): Reply {
  return { status, body: { title, detail, type, status } };
}

function invalidRequest(message: string): Reply {
  const body = {
    errors: [{ parameters: {}, message }],
    title: 'Invalid Request',
    detail: 'One or more parameters to your request was invalid.',
    type: INVALID_REQUEST,
  };
  return { status: 400, body };
}

const OAUTH_INVALID: Reply = {
  status: 400,
  body: { error: 'invalid_request', error_description: 'Value passed for the token was invalid.' },
};

function tweetFields(post: SimPost, requested: string | null) {
  const fields = new Set((requested ?? '').split(','));
  return {
    id: post.id,
    text: post.text,
    edit_history_tweet_ids: [post.id],
    ...(fields.has('author_id') ? { author_id: post.accountId } : {}),
    ...(fields.has('created_at') ? { created_at: new Date(post.createdAt).toISOString() } : {}),
    ...(fields.has('public_metrics')
      ? {
          public_metrics: {
            retweet_count: 0,
            reply_count: 0,
            like_count: 0,
            quote_count: 0,
            impression_count: 0,
          },
        }
      : {}),
  };
}

function objectParam(params: Record<string, unknown>, name: string): Record<string, unknown> | undefined {
  const value = params[name];
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

function userEntity(account: SimAccount) {
  return { id: account.id, name: account.displayName, username: account.username };
}

export function createX({ state }: NetworkDeps, options: XOptions = {}): SimNetwork {
  const ttlSeconds = options.accessTokenTtlSeconds ?? 7200;
  const rejectDuplicates = options.rejectDuplicateText ?? true;

  function createTweet(ctx: RouteContext): Reply {
    const account = ctx.account!;
    const params = readParams(ctx);
    if (params === null) return invalidRequest('Request body is not valid JSON.');
    const text = stringParam(params, 'text') ?? '';
    const reply = objectParam(params, 'reply');
    const media = objectParam(params, 'media');
    const mediaIds = Array.isArray(media?.media_ids) ? media.media_ids.map(String) : [];
    if (text === '' && mediaIds.length === 0) return invalidRequest('Post text or media is required.');
    if (text !== '' && twitterText.parseTweet(text).weightedLength > 280) {
      return problem(403, 'Forbidden', 'Your Tweet text is too long.');
    }
    if (mediaIds.length > 4 || mediaIds.some((id) => state.mediaById(NAME, id)?.accountId !== account.id)) {
      return invalidRequest('Your media IDs are invalid.');
    }
    let inReplyToId: string | null = null;
    if (reply !== undefined) {
      inReplyToId = String(reply.in_reply_to_tweet_id ?? '');
      const parent = state.post(NAME, inReplyToId);
      if (parent === undefined || parent.deletedAt !== null) {
        return problem(
          403,
          'Forbidden',
          'You attempted to reply to a Tweet that is deleted or not visible to you.',
        );
      }
    }
    if (rejectDuplicates && text !== '' && state.liveDuplicate(NAME, account.id, text) !== undefined) {
      state.countDuplicateRejection(NAME);
      return problem(403, 'Forbidden', 'You are not allowed to create a Tweet with duplicate content.');
    }
    const post = state.createPost({
      network: NAME,
      accountId: account.id,
      text,
      idempotencyKey: null,
      clientRef: singleHeader(ctx.headers, 'x-sim-client-ref'),
      inReplyToId,
      mediaIds,
      visibility: null,
    });
    return {
      status: 201,
      body: { data: { id: post.id, text: post.text, edit_history_tweet_ids: [post.id] } },
    };
  }

  function showTweet(ctx: RouteContext): Reply {
    const id = ctx.params[0]!;
    const post = state.post(NAME, id);
    if (post === undefined || post.deletedAt !== null) {
      // X answers a lookup of a missing tweet with 200 and an `errors` array.
      const missing = {
        value: id,
        detail: `Could not find tweet with id: [${id}].`,
        title: 'Not Found Error',
        resource_type: 'tweet',
        parameter: 'id',
        resource_id: id,
        type: 'https://api.twitter.com/2/problems/resource-not-found',
      };
      return { status: 200, body: { errors: [missing] } };
    }
    return { status: 200, body: { data: tweetFields(post, ctx.query.get('tweet.fields')) } };
  }

  /** GET /2/users/:id/tweets — the user's timeline, newest first, filtered by time and id. */
  function userTweets(ctx: RouteContext): Reply {
    const userId = ctx.params[0]!;
    const owner = state.credentials.account(userId);
    if (owner === undefined || owner.network !== NAME) {
      const missing = {
        value: userId,
        detail: `Could not find user with id: [${userId}].`,
        title: 'Not Found Error',
        resource_type: 'user',
        parameter: 'id',
        resource_id: userId,
        type: 'https://api.twitter.com/2/problems/resource-not-found',
      };
      return { status: 200, body: { errors: [missing] } };
    }
    const q = ctx.query;
    const maxResults = Number(q.get('max_results') ?? 10);
    if (!Number.isInteger(maxResults) || maxResults < 5 || maxResults > 100) {
      return invalidRequest(
        `The \`max_results\` query parameter value [${q.get('max_results')}] is not between 5 and 100`,
      );
    }
    const startMs = q.has('start_time') ? Date.parse(q.get('start_time')!) : Number.NEGATIVE_INFINITY;
    const endMs = q.has('end_time') ? Date.parse(q.get('end_time')!) : Number.POSITIVE_INFINITY;
    if (Number.isNaN(startMs) || Number.isNaN(endMs))
      return invalidRequest('Invalid start_time or end_time.');
    const sinceId = q.get('since_id');
    const untilId = q.get('pagination_token') ?? q.get('until_id');
    const fields = q.get('tweet.fields');
    const page: ReturnType<typeof tweetFields>[] = [];
    const posts = state.postsOfAccount(userId);
    let more = false;
    for (let i = posts.length - 1; i >= 0; i--) {
      const post = posts[i]!;
      if (post.createdAt < startMs || (sinceId !== null && compareIds(post.id, sinceId) <= 0)) break;
      if (post.deletedAt !== null || post.createdAt > endMs) continue;
      if (untilId !== null && compareIds(post.id, untilId) >= 0) continue;
      if (page.length === maxResults) {
        more = true;
        break;
      }
      page.push(tweetFields(post, fields));
    }
    if (page.length === 0) return { status: 200, body: { meta: { result_count: 0 } } };
    const oldest = page[page.length - 1]!.id;
    const meta = {
      result_count: page.length,
      newest_id: page[0]!.id,
      oldest_id: oldest,
      ...(more ? { next_token: oldest } : {}),
    };
    return { status: 200, body: { data: page, meta } };
  }

  function deleteTweet(ctx: RouteContext): Reply {
    const post = state.post(NAME, ctx.params[0]!);
    if (post !== undefined && post.accountId !== ctx.account!.id) {
      return problem(403, 'Forbidden', 'You are not allowed to delete this Tweet.');
    }
    if (post === undefined || post.deletedAt !== null)
      return { status: 200, body: { data: { deleted: false } } };
    state.deletePost(post);
    return { status: 200, body: { data: { deleted: true } } };
  }

  function uploadMedia(ctx: RouteContext): Reply {
    const mimeType = multipartFileType(ctx.body) ?? singleHeader(ctx.headers, 'content-type');
    const media = state.createMedia(
      { network: NAME, accountId: ctx.account!.id, bytes: ctx.body.length, mimeType, description: null },
      0,
    );
    const kind = mimeType?.startsWith('video/') ? 7 : mimeType === 'image/gif' ? 16 : 3;
    const body = {
      data: { id: media.id, media_key: `${kind}_${media.id}`, size: media.bytes, expires_after_secs: 86_400 },
    };
    return { status: 200, body };
  }

  function token(ctx: RouteContext): Reply {
    const params = readParams(ctx);
    if (params === null) return OAUTH_INVALID;
    const grant = stringParam(params, 'grant_type');
    let issued: ReturnType<typeof state.credentials.refresh> = null;
    if (grant === 'refresh_token') {
      issued = state.credentials.refresh(NAME, stringParam(params, 'refresh_token') ?? '', ttlSeconds);
    } else if (grant === 'authorization_code') {
      const redeemed = state.credentials.redeemCode(NAME, stringParam(params, 'code') ?? '');
      if (redeemed !== null) {
        issued = state.credentials.issueToken(redeemed.account, {
          scope: redeemed.scope,
          ttlSeconds,
          withRefresh: true,
        });
      }
    } else {
      return {
        status: 400,
        body: { error: 'unsupported_grant_type', error_description: 'Unsupported grant type.' },
      };
    }
    if (issued === null) return OAUTH_INVALID;
    const body = {
      token_type: 'bearer',
      expires_in: ttlSeconds,
      access_token: issued.accessToken,
      scope: issued.scope,
      refresh_token: issued.refreshToken,
    };
    return { status: 200, body };
  }

  return {
    name: NAME,
    ids: { epochMs: TWITTER_EPOCH_MS, seqBits: 22 },
    tokenOptions: {
      scope: 'tweet.read tweet.write users.read offline.access',
      ttlSeconds,
      withRefresh: true,
    },
    errors: {
      unauthorized: () => problem(401, 'Unauthorized', 'Unauthorized'),
      rateLimited(info) {
        return {
          ...problem(429, 'Too Many Requests', 'Too Many Requests'),
          headers: {
            'x-rate-limit-limit': String(info.limit),
            'x-rate-limit-remaining': String(info.remaining),
            'x-rate-limit-reset': String(Math.ceil(info.resetAtMs / 1000)),
            'retry-after': String(info.retryAfterSeconds),
          },
        };
      },
      serverError(status) {
        if (status === 502) return problem(502, 'Bad Gateway', 'Bad Gateway');
        if (status === 503) return problem(503, 'Service Unavailable', 'Service Unavailable');
        return problem(500, 'Internal Server Error', 'Internal Server Error');
      },
      notFound: () => ({
        status: 404,
        body: { errors: [{ message: 'Sorry, that page does not exist', code: 34 }] },
      }),
      badRequest: invalidRequest,
    },
    routes: [
      {
        method: 'GET',
        path: '/i/oauth2/authorize',
        auth: false,
        handle: (ctx) => authorizeAndRedirect(state, NAME, ctx),
      },
      { method: 'POST', path: '/2/oauth2/token', auth: false, handle: token },
      {
        method: 'POST',
        path: '/2/oauth2/revoke',
        auth: false,
        handle: (ctx) => {
          state.credentials.revoke(stringParam(readParams(ctx) ?? {}, 'token') ?? '');
          return { status: 200, body: { revoked: true } };
        },
      },
      {
        method: 'GET',
        path: '/2/users/me',
        auth: true,
        handle: (ctx) => ({ status: 200, body: { data: userEntity(ctx.account!) } }),
      },
      { method: 'POST', path: '/2/tweets', auth: true, handle: createTweet },
      { method: 'GET', path: '/2/tweets/:id', auth: true, handle: showTweet },
      { method: 'DELETE', path: '/2/tweets/:id', auth: true, handle: deleteTweet },
      { method: 'GET', path: '/2/users/:id/tweets', auth: true, handle: userTweets },
      { method: 'POST', path: '/2/media/upload', auth: true, handle: uploadMedia },
    ],
  };
}
