import type { Sql } from '../db/connection.ts';
import { readLinkSettings } from '../domain/links/link-settings.ts';
import { findLinks, prepareLinks } from '../domain/links/prepare-links.ts';
import type { Logger } from '../logger.ts';
import type { NetworkRegistry } from '../networks/registry.ts';
import type {
  NetworkCredentials,
  OutgoingMedia,
  OutgoingPost,
  PublishContext,
  PublishOutcome,
  SocialNetwork,
} from '../ports/social-network.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { ClaimedTarget } from './claim.ts';
import type { PublisherMetrics } from './metrics.ts';
import { backoffDelayMs, hasAttemptsLeft, type RetryPolicy } from './retry-policy.ts';
import type { Settlement } from './settle.ts';

/** Told about every settled attempt: notifications, emails and webhooks hang off this. */
export interface PublishEvents {
  settled(target: ClaimedTarget, settlement: Settlement): void;
}

/** Loads a media item's bytes for an adapter; absent until a media store is configured. */
export type MediaSource = (
  organizationId: string,
  mediaId: string,
  altText: string,
) => Promise<OutgoingMedia>;

export interface AttemptDeps {
  sql: Sql;
  networks: NetworkRegistry;
  secretBox: SecretBox;
  retry: RetryPolicy;
  metrics: PublisherMetrics;
  events: PublishEvents;
  log: Logger;
  media?: MediaSource;
  /**
   * PUBLIC_URL, for short links (`{base}/s/{code}`). Without it links are not shortened (a link to
   * a Spool nobody outside can reach would break the post); UTM parameters still apply.
   */
  shortLinkBaseUrl?: string | undefined;
  stillPublishable(target: ClaimedTarget): Promise<boolean>;
}

/**
 * One publish attempt of one target, from re-check to outcome. Returns what to write; never throws
 * for a network's failure (every failure is an outcome).
 */
export async function runAttempt(target: ClaimedTarget, deps: AttemptDeps): Promise<Settlement> {
  const base = { targetId: target.id, attemptId: target.attemptId, channelId: target.channelId };
  const log = deps.log.child({
    targetId: target.id,
    postId: target.postId,
    channelId: target.channelId,
    network: target.network,
  });
  if (!(await deps.stillPublishable(target))) {
    // Deleted, paused or disconnected a moment ago: put it back untouched (a deleted row is simply gone).
    return { ...base, status: target.priorStatus, attemptDelta: -1 };
  }
  const network = deps.networks.get(target.network);
  if (!network) {
    return fail(base, 'network.unsupported', `Spool cannot publish to "${target.network}" yet.`);
  }
  let credentials: NetworkCredentials;
  try {
    credentials = openCredentials(target, deps.secretBox);
  } catch {
    return disconnect(base, target, 'Spool has no valid access to this account. Reconnect the channel.');
  }
  const ctx: PublishContext = {
    channel: {
      id: target.channelId,
      accountId: target.accountId,
      handle: target.handle,
      serviceUrl: target.serviceUrl,
    },
    credentials,
  };
  let post: OutgoingPost;
  try {
    post = await outgoingPost(target, deps);
  } catch (error) {
    return fail(
      base,
      'media.unavailable',
      `A media file of this post could not be read: ${(error as Error).message}`,
    );
  }
  try {
    await applyLinkSettings(target, post, deps);
  } catch (error) {
    log.warn({ err: error }, 'could not prepare the links of this post');
    return settlementFor(
      { kind: 'retryable', reason: 'Spool could not prepare the links of this post; it will try again.' },
      target,
      network,
      deps.retry,
      base,
    );
  }

  // A previous attempt may have reached the network. Retry only where that cannot duplicate the post.
  if (target.needsVerification && !network.capabilities.idempotentPublish) {
    const settled = await verifyAbsent(network, ctx, post, target, base, log);
    if (settled) return settled;
  }

  let outcome = await publishOnce(network, ctx, post, deps, log);
  if (outcome.kind === 'auth_expired' && network.refreshCredentials && credentials.refreshToken) {
    try {
      ctx.credentials = await network.refreshCredentials(ctx);
      await storeCredentials(deps, target, ctx.credentials);
      outcome = await publishOnce(network, ctx, post, deps, log);
    } catch (error) {
      log.warn({ err: error }, 'could not refresh the access token');
    }
  }
  const settlement = settlementFor(outcome, target, network, deps.retry, base);
  log.debug(
    { outcome: outcome.kind, status: settlement.status, attempt: target.attempts },
    'publish attempt ended',
  );
  return settlement;
}

async function publishOnce(
  network: SocialNetwork,
  ctx: PublishContext,
  post: OutgoingPost,
  deps: AttemptDeps,
  log: Logger,
): Promise<PublishOutcome> {
  let outcome: PublishOutcome;
  try {
    outcome = await network.publish(ctx, post);
  } catch (error) {
    // An adapter bug: we cannot know whether the request left.
    log.error({ err: error }, 'adapter threw while publishing');
    outcome = { kind: 'unknown', reason: 'Spool hit an unexpected error while publishing.' };
  }
  deps.metrics.outcomes.inc({ network: network.id, kind: outcome.kind });
  return outcome;
}

async function verifyAbsent(
  network: SocialNetwork,
  ctx: PublishContext,
  post: OutgoingPost,
  target: ClaimedTarget,
  base: Pick<Settlement, 'targetId' | 'attemptId' | 'channelId'>,
  log: Logger,
): Promise<Settlement | undefined> {
  if (!network.capabilities.lookupPublished || !network.lookupPublished) return unconfirmed(base);
  try {
    const found = await network.lookupPublished(ctx, post, target.firstAttemptAt);
    if (found.found) {
      return { ...base, status: 'published', networkPostId: found.networkPostId, networkPostUrl: found.url };
    }
    return undefined; // proven absent: safe to send
  } catch (error) {
    log.warn({ err: error }, 'could not verify whether an earlier attempt was published');
    return unconfirmed(base);
  }
}

function settlementFor(
  outcome: PublishOutcome,
  target: ClaimedTarget,
  network: SocialNetwork,
  retry: RetryPolicy,
  base: Pick<Settlement, 'targetId' | 'attemptId' | 'channelId'>,
): Settlement {
  const later = (ms: number) => new Date(Date.now() + ms);
  switch (outcome.kind) {
    case 'published':
      return {
        ...base,
        status: 'published',
        networkPostId: outcome.networkPostId,
        networkPostUrl: outcome.url,
      };
    case 'rate_limited':
      return {
        ...base,
        status: 'scheduled',
        nextAttemptAt: later(outcome.retryAfterMs),
        channelBlockedUntil: later(outcome.retryAfterMs),
        errorCode: 'rate_limited',
        error: outcome.reason,
        attemptDelta: -1,
      };
    case 'auth_expired':
      return disconnect(base, target, outcome.reason);
    case 'invalid':
      return fail(base, 'network.rejected', outcome.reason);
    case 'retryable':
      if (!hasAttemptsLeft(retry, target.attempts)) {
        return fail(base, 'network.unavailable', `${outcome.reason} Spool tried ${target.attempts} times.`);
      }
      return {
        ...base,
        status: 'scheduled',
        nextAttemptAt: later(backoffDelayMs(retry, target.attempts)),
        errorCode: 'retrying',
        error: outcome.reason,
      };
    case 'unknown': {
      const safe = network.capabilities.idempotentPublish || network.capabilities.lookupPublished;
      if (!safe) return unconfirmed(base, outcome.reason);
      if (!hasAttemptsLeft(retry, target.attempts)) return unconfirmed(base, outcome.reason);
      return {
        ...base,
        status: 'scheduled',
        nextAttemptAt: later(backoffDelayMs(retry, target.attempts)),
        needsVerification: true,
        errorCode: 'verifying',
        error: outcome.reason,
      };
    }
  }
}

function fail(
  base: Pick<Settlement, 'targetId' | 'attemptId' | 'channelId'>,
  code: string,
  reason: string,
): Settlement {
  return { ...base, status: 'failed', errorCode: code, error: reason };
}

function unconfirmed(
  base: Pick<Settlement, 'targetId' | 'attemptId' | 'channelId'>,
  reason?: string,
): Settlement {
  return {
    ...base,
    status: 'unconfirmed',
    errorCode: 'unconfirmed',
    error:
      `${reason ? `${reason} ` : ''}The network may or may not have published this post, and it offers no safe way ` +
      'to retry. Check the account, then mark it published or requeue it.',
  };
}

/** The channel lost its access: the post waits in place, the channel asks to be reconnected. */
function disconnect(
  base: Pick<Settlement, 'targetId' | 'attemptId' | 'channelId'>,
  target: ClaimedTarget,
  reason: string,
): Settlement {
  return {
    ...base,
    status: target.priorStatus,
    attemptDelta: -1,
    errorCode: 'channel.disconnected',
    error: reason,
    disconnectChannel: reason,
  };
}

/**
 * Opened credentials by their sealed value (which changes whenever they do): a busy channel's
 * tokens are decrypted and parsed once, not on every publish. Bounded; the process holds the
 * opened tokens while publishing anyway.
 */
const openedCredentials = new Map<string, NetworkCredentials>();
const OPENED_CREDENTIALS_MAX = 20_000;

function openCredentials(target: ClaimedTarget, box: SecretBox): NetworkCredentials {
  const sealed = target.credentialsSealed;
  if (!sealed) throw new Error('no credentials');
  // Keyed with the channel too: a sealed value is bound to its channel, and the cache keeps that.
  const key = `${target.channelId}:${sealed}`;
  let credentials = openedCredentials.get(key);
  if (!credentials) {
    credentials = JSON.parse(box.open(sealed, `channel:${target.channelId}`)) as NetworkCredentials;
    if (!credentials.accessToken) throw new Error('no access token');
    if (openedCredentials.size >= OPENED_CREDENTIALS_MAX) openedCredentials.clear();
    openedCredentials.set(key, credentials);
  }
  return { ...credentials };
}

async function storeCredentials(deps: AttemptDeps, target: ClaimedTarget, credentials: NetworkCredentials) {
  const sealed = deps.secretBox.seal(JSON.stringify(credentials), `channel:${target.channelId}`);
  await deps.sql`update channels set credentials_sealed = ${sealed}, updated_at = now() where id = ${target.channelId}`;
}

/**
 * The channel's link settings (UTM parameters, short links), applied to posts that have links. The
 * same link gets the same short link on every attempt, so a retried post reads the same.
 */
async function applyLinkSettings(target: ClaimedTarget, post: OutgoingPost, deps: AttemptDeps) {
  if (!post.parts.some((part) => findLinks(part.text).length > 0)) return;
  const settings = await readLinkSettings(deps.sql, target.channelId);
  if (!settings.utmEnabled && !settings.shortenLinks) return;
  const options = {
    shorten: settings.shortenLinks && deps.shortLinkBaseUrl !== undefined,
    utm: settings.utmEnabled ? { campaign: settings.utmCampaign } : (false as const),
    channel: { id: target.channelId, network: target.network },
    post: { id: target.postId, organizationId: target.organizationId },
    shortLinkBaseUrl: deps.shortLinkBaseUrl ?? '',
  };
  for (const part of post.parts) part.text = (await prepareLinks(deps.sql, part.text, options)).text;
}

async function outgoingPost(target: ClaimedTarget, deps: AttemptDeps): Promise<OutgoingPost> {
  const { media } = deps;
  const load = async (items: { mediaId: string; altText?: string }[] | undefined) => {
    if (!items || items.length === 0) return [];
    if (!media) throw new Error('no media store is configured');
    return Promise.all(items.map((m) => media(target.organizationId, m.mediaId, m.altText ?? '')));
  };
  const parts = [{ text: target.text, media: await load(target.media) }];
  for (const part of target.thread ?? []) parts.push({ text: part.text, media: await load(part.media) });
  return {
    targetId: target.id,
    parts,
    publishedParts: target.publishedParts,
    // Generic fields (board, title) at the top, each network's own settings under its id.
    networkOptions: target.options ?? {},
  };
}
