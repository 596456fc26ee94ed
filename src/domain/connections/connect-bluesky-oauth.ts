import { randomBytes } from 'node:crypto';
import type { Sql } from '../../db/connection.ts';
import type { ChannelView } from '../channels/channel-view.ts';
import { SpoolError } from '../errors.ts';
import { BLUESKY_DEFAULT_SERVICE, normalizeService, saveBlueskyChannel } from './connect-bluesky.ts';
import type { SecretSealer } from './connect-mastodon.ts';
import { assertMayManageChannels, stateHashOf } from './connection-access.ts';

/**
 * Connecting a Bluesky account with AT Protocol OAuth: the person is sent to their own server's
 * sign-in page (Spool never sees a password), with a single-use `state` bound to them and their
 * organization; the callback trades the code for DPoP-bound tokens and creates the channel, or
 * reconnects the one the organization has for that account, queue untouched.
 */

/** The sign-in failures the OAuth client reports (src/networks/bluesky/oauth/discovery.ts). */
interface OAuthFailure {
  name: 'BlueskyOAuthError';
  kind: 'unreachable' | 'blocked' | 'not_a_pds' | 'rejected' | 'no_such_handle';
  message: string;
}

export interface ClientIdentity {
  clientId: string;
  redirectUri: string;
  authMethod: 'private_key_jwt' | 'none';
}

/** The OAuth client, as this use case needs it (src/networks/bluesky/oauth/oauth-client.ts). */
export interface BlueskyOAuthFlow {
  identityFor(base: string): ClientIdentity | undefined;
  authorize(input: {
    identity: ClientIdentity;
    handle: string | undefined;
    service: string;
    state: string;
  }): Promise<{ authorizationUrl: string; pending: { issuer: string } }>;
  complete(
    pending: never,
    code: string,
  ): Promise<{ did: string; handle: string; pdsUrl: string; credentials: Record<string, unknown> }>;
}

const STATE_LIFETIME_MS = 15 * 60_000;
const HANDLE = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

export interface StartBlueskyOAuthInput {
  organizationId: string;
  userId: string;
  handle?: string | undefined;
  serviceUrl?: string | undefined;
  /** The address people reach this Spool at (PUBLIC_URL, else the request's own). */
  base: string;
}

export async function startBlueskyOAuth(
  sql: Sql,
  sealer: SecretSealer,
  flow: BlueskyOAuthFlow,
  input: StartBlueskyOAuthInput,
): Promise<{ authorizationUrl: string }> {
  const handle = input.handle?.trim().replace(/^@/, '').toLowerCase() || undefined;
  if (handle !== undefined && !HANDLE.test(handle)) {
    throw new SpoolError(
      'bluesky.invalid_handle',
      `"${handle.slice(0, 100)}" is not a Bluesky handle: give one such as alice.bsky.social.`,
      'invalid',
      { field: 'handle' },
    );
  }
  const service = normalizeService(input.serviceUrl ?? BLUESKY_DEFAULT_SERVICE);
  const identity = flow.identityFor(input.base);
  if (!identity) {
    throw new SpoolError(
      'bluesky.oauth_needs_https',
      'Signing in with Bluesky needs Spool to be reached over https (set PUBLIC_URL to its https address) ' +
        'or at http://127.0.0.1 on this machine. Meanwhile, connect with an app password.',
      'invalid',
    );
  }
  const state = randomBytes(32).toString('base64url');
  const stateHash = stateHashOf(state);
  const started = await flow.authorize({ identity, handle, service, state }).catch((error: unknown) => {
    throw oauthError(error, handle ? `@${handle}` : new URL(service).host, 'start');
  });
  await sql`delete from bluesky_oauth_states where expires_at < now()`;
  await sql`
    insert into bluesky_oauth_states (state_hash, organization_id, user_id, issuer, pending_sealed, expires_at)
    values (${stateHash}, ${input.organizationId}, ${input.userId}, ${started.pending.issuer},
            ${sealer.seal(JSON.stringify(started.pending), `bluesky-state:${stateHash}`)},
            ${new Date(Date.now() + STATE_LIFETIME_MS)})`;
  return { authorizationUrl: started.authorizationUrl };
}

export interface CompleteBlueskyOAuthInput {
  userId: string;
  state: string;
  code?: string | undefined;
  /** The issuer the authorization server names in the callback (RFC 9207). */
  iss?: string | undefined;
  error?: string | undefined;
}

export async function completeBlueskyOAuth(
  sql: Sql,
  sealer: SecretSealer,
  flow: BlueskyOAuthFlow,
  input: CompleteBlueskyOAuthInput,
): Promise<{ channel: ChannelView; created: boolean }> {
  const stateHash = stateHashOf(input.state);
  // Single use: the row is consumed whatever happens next.
  const [row] = await sql<
    { organization_id: string; issuer: string; pending_sealed: string; expires_at: Date }[]
  >`
    delete from bluesky_oauth_states where state_hash = ${stateHash} and user_id = ${input.userId}
    returning organization_id, issuer, pending_sealed, expires_at`;
  if (!row || row.expires_at.getTime() < Date.now()) {
    throw new SpoolError(
      'bluesky.state_invalid',
      'This Bluesky sign-in has expired, was already used, or was started by someone else. Start connecting the account again.',
      'invalid',
    );
  }
  if (input.error || !input.code) {
    throw new SpoolError(
      'bluesky.authorization_denied',
      `Your Bluesky server did not grant access${input.error ? ` (${input.error.slice(0, 100)})` : ''}. Start connecting again and choose to allow Spool.`,
      'invalid',
    );
  }
  // A callback naming another issuer is a mix-up attack: the code must go back where it came from.
  if (input.iss !== row.issuer) {
    throw new SpoolError(
      'bluesky.issuer_mismatch',
      'The sign-in came back from a different server than the one it started at. Start connecting again.',
      'invalid',
    );
  }
  await assertMayManageChannels(sql, row.organization_id, input.userId);
  const pending = JSON.parse(sealer.open(row.pending_sealed, `bluesky-state:${stateHash}`)) as never;
  const account = await flow.complete(pending, input.code).catch((error: unknown) => {
    throw oauthError(error, new URL(row.issuer).host, 'callback');
  });
  return saveBlueskyChannel(
    sql,
    sealer,
    row.organization_id,
    { did: account.did, handle: account.handle, serviceUrl: account.pdsUrl },
    account.credentials,
  );
}

/**
 * Before the sign-in, an address that cannot be reached is most often a mistyped handle or server
 * (400, as with app passwords); after it, the person's own server failing us is a 502.
 */
function oauthError(error: unknown, subject: string, phase: 'start' | 'callback'): unknown {
  if (!isOAuthFailure(error)) return error;
  const reason = error.message.slice(0, 300);
  switch (error.kind) {
    case 'no_such_handle':
      return new SpoolError(
        'bluesky.handle_not_found',
        `No Bluesky account answers to ${subject} (${reason}). Check the handle, or name the server it is on.`,
        'invalid',
        { field: 'handle' },
      );
    case 'blocked':
      return new SpoolError(
        'bluesky.service_blocked',
        `Spool does not connect to that server: ${reason}. Use the PDS's public address.`,
        'invalid',
      );
    case 'not_a_pds':
      return new SpoolError(
        'bluesky.not_a_pds',
        `${subject} cannot be signed in to with Bluesky OAuth: ${reason}. Connect with an app password instead.`,
        'invalid',
      );
    case 'rejected':
      return new SpoolError(
        'bluesky.sign_in_failed',
        `The sign-in did not succeed: ${reason}. Try again.`,
        'invalid',
      );
    case 'unreachable':
      return new SpoolError(
        'bluesky.service_unreachable',
        phase === 'start'
          ? `Spool could not reach ${subject}'s server: ${reason}. Check the handle or server address, or try again in a moment.`
          : `Spool could not complete the sign-in: ${reason}. Try again in a moment.`,
        phase === 'start' ? 'invalid' : 'upstream_failed',
      );
  }
}

function isOAuthFailure(error: unknown): error is OAuthFailure {
  return error instanceof Error && error.name === 'BlueskyOAuthError' && 'kind' in error;
}
