import type { JWK } from 'jose';
import type {
  LookupResult,
  NetworkCapabilities,
  NetworkCredentials,
  OutgoingPost,
  PublishContext,
  PublishOutcome,
  SocialNetwork,
} from '../../ports/social-network.ts';
import { buildEmbed, mediaProblem } from './embeds.ts';
import { pdsDispatcher } from './guarded-dispatcher.ts';
import type { LinkCardSource } from './link-card.ts';
import { type BlueskySession, PublishStop, readOutcome, type StrongRef, writeOutcome } from './outcomes.ts';
import { prepareText } from './rich-text.ts';
import { DEFAULT_SERVICE, jwtExpiry, refreshSession } from './session.ts';
import { recordKeyFor } from './tid.ts';
import { isXrpcFailure, XrpcClient, type XrpcSettings } from './xrpc.ts';

export interface BlueskyOptions {
  timeoutMs?: number | undefined;
  /** Lets the PDS be on a private or loopback address (SSRF_ALLOW_PRIVATE; tests, private networks). */
  allowPrivateAddresses?: boolean | undefined;
  /** Reads link cards for posts with a link and no images; without it such posts have no card. */
  linkCards?: LinkCardSource | undefined;
  /** Refreshes sessions that were connected with OAuth (they need Spool's client keys). */
  oauth?: { refresh(credentials: NetworkCredentials): Promise<NetworkCredentials> } | undefined;
}

const POST = 'app.bsky.feed.post';
const MAX_GRAPHEMES = 300;
const MAX_LANGUAGES = 3;
const LANGUAGE_TAG = /^[a-z]{2,3}(-[a-z0-9]{1,8})*$/i;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Bluesky, through the account's PDS (AT Protocol XRPC). Every part of a post is written with
 * `com.atproto.repo.putRecord`, `swapRecord: null` and a record key derived from the target id and
 * the part's index, so a retry after any failure cannot create a second post:
 *  - the same record again is a no-op success;
 *  - a different record under that key (a retry builds a new `createdAt`) is refused with
 *    InvalidSwap, which means "already published": the existing record is read and reported.
 * A thread is a reply chain written in order, each part pointing at the root and its parent.
 */
export class BlueskyNetwork implements SocialNetwork {
  readonly id = 'bluesky';
  readonly capabilities: NetworkCapabilities = {
    idempotentPublish: true,
    lookupPublished: true,
    refreshableCredentials: true,
    maxConcurrency: 128,
  };
  private readonly xrpcSettings: XrpcSettings;

  constructor(private readonly options: BlueskyOptions = {}) {
    const allowPrivateAddresses = options.allowPrivateAddresses ?? false;
    this.xrpcSettings = {
      dispatcher: pdsDispatcher(allowPrivateAddresses),
      allowPrivateAddresses,
      timeoutMs: options.timeoutMs ?? 30_000,
    };
  }

  async publish(ctx: PublishContext, post: OutgoingPost): Promise<PublishOutcome> {
    const problem = problemOf(post);
    if (problem) return { kind: 'invalid', reason: problem };
    if (hasExpired(ctx.credentials)) {
      // Nothing is sent with a token the PDS would refuse; the publisher refreshes it and tries again.
      return { kind: 'auth_expired', reason: 'The Bluesky session expired.' };
    }
    const session = this.session(ctx);
    try {
      let root: StrongRef | undefined;
      let parent: StrongRef | undefined;
      for (const [index, part] of post.parts.entries()) {
        const text = await prepareText(part.text, session.resolveHandle);
        const embed = await buildEmbed(session, part, text.links, this.options.linkCards);
        const record = {
          $type: POST,
          text: text.text,
          createdAt: new Date().toISOString(),
          ...(text.facets.length > 0 ? { facets: text.facets } : {}),
          ...(post.languages && post.languages.length > 0 ? { langs: post.languages } : {}),
          ...(root && parent ? { reply: { root, parent } } : {}),
          ...(embed ? { embed } : {}),
        };
        parent = await writeRecord(session, recordKeyFor(post.targetId, index), record);
        root ??= parent;
      }
      return { kind: 'published', networkPostId: root!.uri, url: postUrl(root!.uri) };
    } catch (error) {
      if (error instanceof PublishStop) return error.outcome;
      throw error;
    }
  }

  /** Whether the target's first part is on the PDS under its derived record key. */
  async lookupPublished(ctx: PublishContext, post: OutgoingPost): Promise<LookupResult> {
    try {
      const found = await readRecord(this.session(ctx), recordKeyFor(post.targetId, 0));
      return found ? { found: true, networkPostId: found.uri, url: postUrl(found.uri) } : { found: false };
    } catch (error) {
      if (error instanceof PublishStop)
        throw new Error(`could not read the post back: ${reasonOf(error.outcome)}`);
      throw error;
    }
  }

  async refreshCredentials(ctx: PublishContext): Promise<NetworkCredentials> {
    if (ctx.credentials.auth === 'oauth') {
      if (!this.options.oauth) throw new Error('this process cannot refresh Bluesky OAuth sessions');
      return this.options.oauth.refresh(ctx.credentials);
    }
    const refreshToken = ctx.credentials.refreshToken;
    if (!refreshToken) throw new Error('no refresh token was stored for this account');
    const service = stringOf(ctx.credentials.service) ?? ctx.channel.serviceUrl ?? DEFAULT_SERVICE;
    const tokens = await refreshSession(service, refreshToken, this.xrpcSettings);
    const expiresAt = jwtExpiry(tokens.accessJwt);
    const { expiresAt: _previous, ...rest } = ctx.credentials;
    return {
      ...rest,
      accessToken: tokens.accessJwt,
      refreshToken: tokens.refreshJwt,
      ...(tokens.handle ? { handle: tokens.handle } : {}),
      ...(expiresAt ? { expiresAt } : {}),
    };
  }

  /** Deletes the post record (a thread's later parts stay, as replies to a deleted post). */
  async deletePost(ctx: PublishContext, networkPostId: string): Promise<void> {
    const session = this.session(ctx);
    const match = /^at:\/\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(networkPostId);
    if (!match || match[1] !== session.did || match[2] !== POST) {
      throw new Error(`${networkPostId} is not a post of this account`);
    }
    const res = await session.xrpc.procedure(
      'com.atproto.repo.deleteRecord',
      { repo: session.did, collection: POST, rkey: match[3] },
      session.call,
    );
    if (isXrpcFailure(res) || res.status !== 200) {
      throw new Error(`Bluesky did not delete the post: ${reasonOf(readOutcome(res, 'the deletion'))}`);
    }
  }

  private session(ctx: PublishContext): BlueskySession {
    const service = ctx.channel.serviceUrl ?? stringOf(ctx.credentials.service) ?? DEFAULT_SERVICE;
    const xrpc = new XrpcClient(service, this.xrpcSettings);
    const call = {
      token: ctx.credentials.accessToken,
      dpopKey: dpopKeyOf(ctx.credentials),
      signal: ctx.signal,
    };
    return {
      xrpc,
      did: stringOf(ctx.credentials.did) ?? ctx.channel.accountId,
      call,
      async resolveHandle(handle) {
        const res = await xrpc.query('com.atproto.identity.resolveHandle', { handle }, call);
        if (!isXrpcFailure(res) && res.status === 200) return (res.body as { did?: string }).did;
        if (isXrpcFailure(res) || res.status === 429 || res.status >= 500) {
          throw new PublishStop(readOutcome(res, `resolving @${handle}`));
        }
        return undefined; // the handle does not exist: the mention stays plain text
      },
    };
  }
}

async function writeRecord(
  session: BlueskySession,
  rkey: string,
  record: Record<string, unknown>,
): Promise<StrongRef> {
  const res = await session.xrpc.procedure(
    'com.atproto.repo.putRecord',
    { repo: session.did, collection: POST, rkey, record, swapRecord: null },
    session.call,
  );
  if (!isXrpcFailure(res) && res.status === 200) {
    const body = res.body as StrongRef;
    return { uri: body.uri, cid: body.cid };
  }
  if (!isXrpcFailure(res) && res.error === 'InvalidSwap') {
    // The record key is taken: an earlier attempt published this part.
    const existing = await readRecord(session, rkey);
    if (existing) return existing;
    throw new PublishStop({
      kind: 'retryable',
      reason: 'The post was removed while Spool was publishing it.',
    });
  }
  throw new PublishStop(writeOutcome(res));
}

async function readRecord(session: BlueskySession, rkey: string): Promise<StrongRef | undefined> {
  const res = await session.xrpc.query(
    'com.atproto.repo.getRecord',
    { repo: session.did, collection: POST, rkey },
    session.call,
  );
  if (!isXrpcFailure(res) && res.status === 200) {
    const body = res.body as StrongRef;
    return { uri: body.uri, cid: body.cid };
  }
  if (!isXrpcFailure(res) && res.error === 'RecordNotFound') return undefined;
  throw new PublishStop(readOutcome(res, 'reading the post back'));
}

/** What Spool can see is wrong before sending anything, so a thread never stops half-way on it. */
function problemOf(post: OutgoingPost): string | undefined {
  if (post.parts.length === 0) return 'The post is empty.';
  for (const [index, part] of post.parts.entries()) {
    const where = index === 0 ? 'The post' : `Part ${index + 1} of the thread`;
    const length = [...graphemes.segment(part.text)].length;
    if (length > MAX_GRAPHEMES)
      return `${where} is ${length} characters long; Bluesky allows ${MAX_GRAPHEMES}.`;
    if (length === 0 && part.media.length === 0) return `${where} has neither text nor images.`;
    const media = mediaProblem(part, index);
    if (media) return media;
  }
  const languages = post.languages ?? [];
  if (languages.length > MAX_LANGUAGES)
    return `Bluesky labels a post with at most ${MAX_LANGUAGES} languages.`;
  const wrong = languages.find((tag) => !LANGUAGE_TAG.test(tag));
  if (wrong !== undefined) return `"${wrong}" is not a language tag (such as en or pt-BR).`;
  return undefined;
}

function hasExpired(credentials: NetworkCredentials): boolean {
  const at = credentials.expiresAt ? Date.parse(credentials.expiresAt) : Number.NaN;
  return Number.isFinite(at) && at < Date.now() + 30_000 && Boolean(credentials.refreshToken);
}

/** The post's page on bsky.app, by DID (a handle can change, the DID does not). */
export function postUrl(uri: string): string | null {
  const match = /^at:\/\/([^/]+)\/app\.bsky\.feed\.post\/([^/]+)$/.exec(uri);
  return match ? `https://bsky.app/profile/${match[1]}/post/${match[2]}` : null;
}

/** An OAuth session's DPoP key (app-password sessions have none and send a bearer token). */
function dpopKeyOf(credentials: NetworkCredentials): JWK | undefined {
  const key = credentials.dpopKey;
  return credentials.auth === 'oauth' && typeof key === 'object' && key !== null ? (key as JWK) : undefined;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function reasonOf(outcome: PublishOutcome): string {
  return outcome.kind === 'published' ? 'published' : outcome.reason;
}
