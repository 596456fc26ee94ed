import { randomUUID } from 'node:crypto';
import type { Sql, TransactionSql } from '../../db/connection.ts';
import {
  type ChannelRow,
  type ChannelView,
  channelColumns,
  presentChannel,
} from '../channels/channel-view.ts';
import { isUniqueViolation, type Sealer } from '../channels/create-channel.ts';
import { SpoolError } from '../errors.ts';
import { lockChannel } from '../queue/lock-channels.ts';
import { notifyDueChanged } from '../queue/retime-queue.ts';

/** The public Bluesky service, used when the person names no PDS of their own. */
export const BLUESKY_DEFAULT_SERVICE = 'https://bsky.social';

/** A session the PDS granted (src/networks/bluesky/session.ts makes it). */
export interface BlueskyAccountSession {
  did: string;
  handle: string;
  accessJwt: string;
  refreshJwt: string;
  /** The account's own PDS, when the server names it (bsky.social signs in, a "mushroom" PDS hosts). */
  pdsUrl: string | undefined;
  /** Made with the account password rather than an app password. */
  fullAccess: boolean;
}

export type BlueskySignInFailure = {
  kind: 'unreachable' | 'blocked' | 'rejected' | 'rate_limited' | 'not_a_pds';
  reason: string;
};

export type BlueskySignIn = (
  service: string,
  identifier: string,
  password: string,
) => Promise<BlueskyAccountSession | BlueskySignInFailure>;

/** Reads a token's expiry, so the publisher refreshes before it sends a request that would fail. */
export type TokenExpiry = (jwt: string) => string | undefined;

export interface ConnectBlueskyInput {
  organizationId: string;
  handle: string;
  appPassword: string;
  serviceUrl?: string | undefined;
}

/**
 * Connects a Bluesky account with its handle and an app password: signs in on the PDS, keeps the
 * session's tokens sealed (never the password), and creates the channel, or, when the organization
 * already has this account, reconnects it: new tokens, state `connected`, queue untouched.
 */
export async function connectBluesky(
  sql: Sql,
  deps: { sealer: Sealer; signIn: BlueskySignIn; tokenExpiry: TokenExpiry },
  input: ConnectBlueskyInput,
): Promise<{ channel: ChannelView; created: boolean }> {
  const service = normalizeService(input.serviceUrl ?? BLUESKY_DEFAULT_SERVICE);
  const identifier = input.handle.trim().replace(/^@/, '');
  const session = await deps.signIn(service, identifier, input.appPassword);
  if ('kind' in session) throw signInError(session, service);
  if (session.fullAccess) {
    throw new SpoolError(
      'bluesky.app_password_required',
      'That is the account password. Spool connects with an app password only: create one in Bluesky under ' +
        'Settings → Privacy and security → App passwords, and use it here.',
      'invalid',
    );
  }
  const expiresAt = deps.tokenExpiry(session.accessJwt);
  const credentials = {
    accessToken: session.accessJwt,
    refreshToken: session.refreshJwt,
    did: session.did,
    handle: session.handle,
    // Sessions are refreshed where they were made (the entryway for bsky.social).
    service,
    ...(expiresAt ? { expiresAt } : {}),
  };
  const channel = { did: session.did, handle: session.handle, serviceUrl: session.pdsUrl ?? service };
  return saveBlueskyChannel(sql, deps.sealer, input.organizationId, channel, credentials);
}

/**
 * Creates the organization's channel for this account, or reconnects the one it has (new tokens,
 * state `connected`, queue untouched), whichever way the account signed in.
 */
export async function saveBlueskyChannel(
  sql: Sql,
  sealer: Sealer,
  organizationId: string,
  account: { did: string; handle: string; serviceUrl: string },
  credentials: Record<string, unknown>,
): Promise<{ channel: ChannelView; created: boolean }> {
  // Two connects of one account at once: the loser of the insert race reconnects instead.
  for (let attempt = 0; ; attempt++) {
    try {
      return await sql.begin((tx) => saveChannel(tx, sealer, organizationId, account, credentials));
    } catch (error) {
      if (!isUniqueViolation(error) || attempt > 0) throw error;
    }
  }
}

async function saveChannel(
  tx: TransactionSql,
  sealer: Sealer,
  organizationId: string,
  account: { did: string; handle: string; serviceUrl: string },
  credentials: Record<string, unknown>,
): Promise<{ channel: ChannelView; created: boolean }> {
  const [existing] = await tx<{ id: string }[]>`
    select id from channels
    where organization_id = ${organizationId} and network = 'bluesky' and account_id = ${account.did}
    for update`;
  const id = existing?.id ?? randomUUID();
  // Sealed with the channel id as context, so the value cannot be moved to another channel's row.
  const sealed = sealer.seal(JSON.stringify(credentials), `channel:${id}`);
  if (existing) {
    const [row] = await tx<ChannelRow[]>`
      update channels set handle = ${account.handle}, service_url = ${account.serviceUrl},
        credentials_sealed = ${sealed}, connection_state = 'connected', connection_error = null, updated_at = now()
      where id = ${id}
      returning ${channelColumns(tx)}`;
    // Posts that fell due while it was disconnected go out now, not at the publisher's next idle wake.
    await notifyDueChanged(tx, id);
    return { channel: presentChannel(row!), created: false };
  }
  const [row] = await tx<ChannelRow[]>`
    insert into channels (id, organization_id, network, account_id, handle, service_url, credentials_sealed)
    values (${id}, ${organizationId}, 'bluesky', ${account.did}, ${account.handle}, ${account.serviceUrl}, ${sealed})
    returning ${channelColumns(tx)}`;
  return { channel: presentChannel(row!), created: true };
}

/**
 * Disconnects a channel of any network: its tokens are forgotten and it stops publishing, but it
 * keeps its queue, schedule and history, ready to be reconnected.
 */
export async function disconnectChannel(
  sql: Sql,
  input: { organizationId: string; channelId: string },
): Promise<ChannelView> {
  return sql.begin(async (tx) => {
    const channel = await lockChannel(tx, input.organizationId, input.channelId);
    const [row] = await tx<ChannelRow[]>`
      update channels set credentials_sealed = null, connection_state = 'disconnected', connection_error = null,
        updated_at = now()
      where id = ${channel.id}
      returning ${channelColumns(tx)}`;
    return presentChannel(row!);
  });
}

export function normalizeService(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidService(raw);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password)
    throw invalidService(raw);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function invalidService(raw: string): SpoolError {
  return new SpoolError(
    'bluesky.invalid_service_url',
    `"${raw.slice(0, 200)}" is not a PDS address: give an http(s) URL such as https://bsky.social.`,
    'invalid',
  );
}

function signInError(failure: BlueskySignInFailure, service: string): SpoolError {
  const host = new URL(service).host;
  // The server's own words, cut short: a PDS is any server the person named.
  const reason = failure.reason.slice(0, 200);
  switch (failure.kind) {
    case 'rejected':
      return new SpoolError(
        'bluesky.sign_in_failed',
        `${host} did not accept this handle and app password (${reason}). Check the handle, and create ` +
          'an app password in Bluesky under Settings → Privacy and security → App passwords.',
        'invalid',
      );
    case 'rate_limited':
      return new SpoolError(
        'bluesky.rate_limited',
        `${host} is limiting sign-ins; try again in a few minutes.`,
        'rate_limited',
      );
    case 'blocked':
      return new SpoolError(
        'bluesky.service_blocked',
        `Spool does not connect to ${host}: ${reason}. Use the PDS's public address.`,
        'invalid',
      );
    case 'not_a_pds':
      return new SpoolError(
        'bluesky.not_a_pds',
        `${host} does not answer like a Bluesky PDS (${reason}). Check the service address.`,
        'invalid',
      );
    case 'unreachable':
      return new SpoolError(
        'bluesky.service_unreachable',
        `Spool could not reach ${host} (${reason}). Check the service address, or try again later.`,
        'invalid',
      );
  }
}
