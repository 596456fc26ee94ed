import { compareIds, type SimMedia } from '../state.ts';
import { accountEntity, mediaEntity, statusEntity } from './mastodon-entities.ts';
import {
  multipartFileType,
  type NetworkDeps,
  type Reply,
  type RouteContext,
  readParams,
  type SimNetwork,
  singleHeader,
  stringListParam,
  stringParam,
} from './network.ts';
import { authorizeAndRedirect } from './oauth.ts';

/**
 * Mastodon's client API (docs.joinmastodon.org/methods): statuses with `Idempotency-Key`, media
 * v2 with asynchronous processing, OAuth apps and tokens. Base URL: `${simulatorUrl}/mastodon`.
 */

export interface MastodonOptions {
  /** How long an Idempotency-Key is remembered (Mastodon: 1 hour). */
  idempotencyTtlMs?: number;
  /** Time a media upload spends processing (202 / 206 until then; 0 = processed synchronously). */
  mediaProcessingMs?: number;
  maxCharacters?: number;
  maxMediaAttachments?: number;
}

const NAME = 'mastodon';
const URL_WEIGHT = 23;
const URL_PATTERN = /https?:\/\/\S+/g;

const error = (status: number, message: string): Reply => ({ status, body: { error: message } });
const RECORD_NOT_FOUND = error(404, 'Record not found');

function nginxPage(status: number, title: string): Reply {
  const html = `<html>\r\n<head><title>${status} ${title}</title></head>\r\n<body>\r\n<center><h1>${status} ${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
  return { status, body: html, contentType: 'text/html' };
}

/** Mastodon counts every URL as 23 characters. */
function countCharacters(text: string): number {
  let length = 0;
  for (const _ of text.replace(URL_PATTERN, 'x'.repeat(URL_WEIGHT))) length++;
  return length;
}

export function createMastodon({ state }: NetworkDeps, options: MastodonOptions = {}): SimNetwork {
  const idempotencyTtlMs = options.idempotencyTtlMs ?? 3_600_000;
  const mediaProcessingMs = options.mediaProcessingMs ?? 50;
  const maxCharacters = options.maxCharacters ?? 500;
  const maxMedia = options.maxMediaAttachments ?? 4;
  const base = (ctx: RouteContext) => `${ctx.origin}/${NAME}`;

  function presentStatus(ctx: RouteContext, id: string, withSource: boolean): Reply {
    const post = state.post(NAME, id);
    const account = post && state.credentials.account(post.accountId);
    if (post === undefined || account === undefined || post.deletedAt !== null) return RECORD_NOT_FOUND;
    const media = post.mediaIds.map((m) => state.mediaById(NAME, m)).filter((m) => m !== undefined);
    const parent = post.inReplyToId === null ? undefined : state.post(NAME, post.inReplyToId);
    const body = statusEntity(post, account, base(ctx), media, {
      withSource,
      inReplyToAccountId: parent?.accountId ?? null,
    });
    return { status: 200, body };
  }

  function createStatus(ctx: RouteContext): Reply {
    const account = ctx.account!;
    const key = singleHeader(ctx.headers, 'idempotency-key');
    if (key !== null) {
      const earlier = state.idempotentPost(NAME, account.id, key);
      if (earlier !== undefined) {
        state.countIdempotentReplay(NAME);
        return presentStatus(ctx, earlier.id, false);
      }
    }
    const params = readParams(ctx);
    if (params === null) return error(400, 'Error while parsing request body');
    const text = stringParam(params, 'status') ?? '';
    const requestedMedia = stringListParam(params, 'media_ids');
    if (requestedMedia.length > maxMedia) return error(422, `Cannot attach more than ${maxMedia} files`);
    // Like Mastodon, ids that are not this account's media are ignored.
    const media: SimMedia[] = [];
    for (const id of requestedMedia) {
      const m = state.mediaById(NAME, id);
      if (m !== undefined && m.accountId === account.id) media.push(m);
    }
    if (text.trim() === '' && media.length === 0) return error(422, "Validation failed: Text can't be blank");
    if (countCharacters(text) > maxCharacters) {
      return error(422, `Validation failed: Text character limit of ${maxCharacters} exceeded`);
    }
    const now = state.now();
    if (media.some((m) => now < m.readyAt)) {
      return error(422, 'Cannot attach files that have not finished processing. Try again in a moment!');
    }
    const inReplyToId = stringParam(params, 'in_reply_to_id') ?? null;
    if (inReplyToId !== null && state.post(NAME, inReplyToId) === undefined) return RECORD_NOT_FOUND;
    const visibility = stringParam(params, 'visibility') ?? 'public';
    if (!['public', 'unlisted', 'private', 'direct'].includes(visibility)) {
      return error(422, 'Validation failed: Visibility is not included in the list');
    }
    const post = state.createPost({
      network: NAME,
      accountId: account.id,
      text,
      idempotencyKey: key,
      clientRef: singleHeader(ctx.headers, 'x-sim-client-ref'),
      inReplyToId,
      mediaIds: media.map((m) => m.id),
      visibility,
    });
    state.rememberIdempotencyKey(post, idempotencyTtlMs);
    return presentStatus(ctx, post.id, false);
  }

  /** GET /api/v1/accounts/:id/statuses — newest first; `limit` (≤ 40), `max_id`, `since_id`. */
  function accountStatuses(ctx: RouteContext): Reply {
    const owner = state.credentials.account(ctx.params[0]!);
    if (owner === undefined || owner.network !== NAME) return RECORD_NOT_FOUND;
    const limit = Math.min(Math.max(Number(ctx.query.get('limit') ?? 20) || 20, 1), 40);
    const maxId = ctx.query.get('max_id');
    const sinceId = ctx.query.get('since_id') ?? ctx.query.get('min_id');
    const statuses: unknown[] = [];
    const posts = state.postsOfAccount(owner.id);
    for (let i = posts.length - 1; i >= 0 && statuses.length < limit; i--) {
      const post = posts[i]!;
      if (sinceId !== null && compareIds(post.id, sinceId) <= 0) break;
      if (post.deletedAt !== null || (maxId !== null && compareIds(post.id, maxId) >= 0)) continue;
      statuses.push(presentStatus(ctx, post.id, false).body);
    }
    return { status: 200, body: statuses };
  }

  function deleteStatus(ctx: RouteContext): Reply {
    const post = state.post(NAME, ctx.params[0]!);
    if (post === undefined || post.deletedAt !== null || post.accountId !== ctx.account!.id) {
      return RECORD_NOT_FOUND;
    }
    const reply = presentStatus(ctx, post.id, true);
    state.deletePost(post);
    return reply;
  }

  function uploadMedia(ctx: RouteContext, processingMs: number): Reply {
    const params = readParams(ctx) ?? {};
    const media = state.createMedia(
      {
        network: NAME,
        accountId: ctx.account!.id,
        bytes: ctx.body.length,
        mimeType: multipartFileType(ctx.body) ?? singleHeader(ctx.headers, 'content-type'),
        description: stringParam(params, 'description') ?? null,
      },
      processingMs,
    );
    const body = mediaEntity(media, base(ctx), state.now());
    return { status: processingMs > 0 ? 202 : 200, body };
  }

  function showMedia(ctx: RouteContext): Reply {
    const media = state.mediaById(NAME, ctx.params[0]!);
    if (media === undefined || media.accountId !== ctx.account!.id) return RECORD_NOT_FOUND;
    const now = state.now();
    return { status: now < media.readyAt ? 206 : 200, body: mediaEntity(media, base(ctx), now) };
  }

  function registerApp(ctx: RouteContext): Reply {
    const params = readParams(ctx);
    if (params === null) return error(400, 'Error while parsing request body');
    const name = stringParam(params, 'client_name');
    const redirect =
      stringParam(params, 'redirect_uris') ?? stringListParam(params, 'redirect_uris').join('\n');
    if (name === undefined || redirect === '') {
      return error(422, "Validation failed: Application name can't be blank, Redirect URI can't be blank");
    }
    const uris = redirect.split(/\s+/).filter((u) => u !== '');
    const scopes = stringParam(params, 'scopes') ?? 'read';
    const client = state.credentials.registerClient(NAME, name, uris, scopes);
    return {
      status: 200,
      body: {
        id: client.id,
        name: client.name,
        website: stringParam(params, 'website') ?? null,
        scopes: scopes.split(' '),
        redirect_uri: uris.join('\n'),
        redirect_uris: uris,
        client_id: client.clientId,
        client_secret: client.clientSecret,
        client_secret_expires_at: 0,
        vapid_key: 'BCk-QqERU0q-CfYZjcuB6lnyyOYfJ2AifKqfeGIm7Z-HiTU5T9eTG5GxVA0_OH5mMlI4UkkDTpaZwozy0TzdZ2M=',
      },
    };
  }

  function issueToken(ctx: RouteContext): Reply {
    const params = readParams(ctx);
    if (params === null) return error(400, 'Error while parsing request body');
    if (stringParam(params, 'grant_type') !== 'authorization_code') {
      return {
        status: 400,
        body: {
          error: 'unsupported_grant_type',
          error_description: 'The authorization grant type is not supported by the authorization server.',
        },
      };
    }
    const redeemed = state.credentials.redeemCode(NAME, stringParam(params, 'code') ?? '');
    if (redeemed === null) {
      return {
        status: 400,
        body: {
          error: 'invalid_grant',
          error_description:
            'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
        },
      };
    }
    const token = state.credentials.issueToken(redeemed.account, { scope: redeemed.scope });
    const body = {
      access_token: token.accessToken,
      token_type: 'Bearer',
      scope: token.scope,
      created_at: Math.floor(token.createdAt / 1000),
    };
    return { status: 200, body };
  }

  function revokeToken(ctx: RouteContext): Reply {
    const params = readParams(ctx) ?? {};
    state.credentials.revoke(stringParam(params, 'token') ?? '');
    return { status: 200, body: {} };
  }

  function instance(ctx: RouteContext): Reply {
    const host = ctx.origin.replace(/^https?:\/\//, '');
    const body = {
      domain: host,
      title: 'Spool simulator',
      version: '4.3.0',
      source_url: 'https://github.com/mastodon/mastodon',
      description: 'A simulated Mastodon instance for tests.',
      configuration: {
        urls: { streaming: null },
        statuses: {
          max_characters: maxCharacters,
          max_media_attachments: maxMedia,
          characters_reserved_per_url: URL_WEIGHT,
        },
        media_attachments: {
          supported_mime_types: ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'video/mp4'],
          image_size_limit: 16_777_216,
          video_size_limit: 103_809_024,
        },
      },
      registrations: { enabled: false, approval_required: false, message: null },
    };
    return { status: 200, body };
  }

  return {
    name: NAME,
    ids: { epochMs: 0, seqBits: 16 },
    tokenOptions: { scope: 'read write', ttlSeconds: null, withRefresh: false },
    errors: {
      unauthorized(reason) {
        const message = reason === 'expired' ? 'The access token expired' : 'The access token is invalid';
        return {
          ...error(401, message),
          headers: {
            'www-authenticate': `Bearer realm="Doorkeeper", error="invalid_token", error_description="${message}"`,
          },
        };
      },
      rateLimited(info) {
        return {
          ...error(429, 'Too many requests'),
          headers: {
            'x-ratelimit-limit': String(info.limit),
            'x-ratelimit-remaining': String(info.remaining),
            'x-ratelimit-reset': new Date(info.resetAtMs).toISOString(),
            'retry-after': String(info.retryAfterSeconds),
          },
        };
      },
      serverError(status) {
        if (status === 502) return nginxPage(502, 'Bad Gateway');
        if (status === 503) return nginxPage(503, 'Service Temporarily Unavailable');
        return error(500, 'Internal Server Error');
      },
      notFound: () => RECORD_NOT_FOUND,
      badRequest: (message) => error(400, message),
    },
    routes: [
      { method: 'POST', path: '/api/v1/apps', auth: false, handle: registerApp },
      {
        method: 'GET',
        path: '/oauth/authorize',
        auth: false,
        handle: (ctx) => authorizeAndRedirect(state, NAME, ctx),
      },
      { method: 'POST', path: '/oauth/token', auth: false, handle: issueToken },
      { method: 'POST', path: '/oauth/revoke', auth: false, handle: revokeToken },
      { method: 'GET', path: '/api/v2/instance', auth: false, handle: instance },
      {
        method: 'GET',
        path: '/api/v1/accounts/verify_credentials',
        auth: true,
        handle: (ctx) => {
          const count = state.livePostCount(ctx.account!.id);
          return { status: 200, body: accountEntity(ctx.account!, base(ctx), count) };
        },
      },
      { method: 'GET', path: '/api/v1/accounts/:id/statuses', auth: true, handle: accountStatuses },
      { method: 'POST', path: '/api/v1/statuses', auth: true, handle: createStatus },
      {
        method: 'GET',
        path: '/api/v1/statuses/:id',
        auth: true,
        handle: (ctx) => presentStatus(ctx, ctx.params[0]!, false),
      },
      { method: 'DELETE', path: '/api/v1/statuses/:id', auth: true, handle: deleteStatus },
      {
        method: 'POST',
        path: '/api/v2/media',
        auth: true,
        handle: (ctx) => uploadMedia(ctx, mediaProcessingMs),
      },
      { method: 'POST', path: '/api/v1/media', auth: true, handle: (ctx) => uploadMedia(ctx, 0) },
      { method: 'GET', path: '/api/v1/media/:id', auth: true, handle: showMedia },
    ],
  };
}
