import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Sql } from '../../db/connection.ts';
import {
  type ChannelRow,
  type ChannelView,
  channelColumns,
  channelNotFound,
  presentChannel,
} from '../channels/channel-view.ts';
import { SpoolError } from '../errors.ts';
import { assertMayManageChannels, stateHashOf } from './connection-access.ts';

/**
 * Connecting a Mastodon account: Spool registers itself as an app on the person's instance (once
 * per instance), sends them to the instance's consent page with PKCE and a single-use `state`
 * bound to them and their organization, then trades the returned code for a token and creates the
 * channel, or reconnects the existing one (same organization and account) without touching its queue.
 */

/** Seals and opens secrets at rest (SecretBox), bound to a context string. */
export interface SecretSealer {
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
}

export interface MastodonApp {
  clientId: string;
  clientSecret: string;
}

export interface MastodonGrant {
  accessToken: string;
  refreshToken?: string | undefined;
  expiresInSeconds?: number | undefined;
  scope?: string | undefined;
}

export interface MastodonProfile {
  id: string;
  username: string;
  displayName: string;
  avatarUrl: string | null;
}

/** The instance's OAuth and account endpoints, as the connection flow needs them. */
export interface MastodonInstanceClient {
  /** Refuses an instance whose address is not allowed (SSRF rules). */
  checkInstance(instanceUrl: string): Promise<void>;
  registerApp(
    instanceUrl: string,
    app: { clientName: string; redirectUri: string; scopes: string; website?: string },
  ): Promise<MastodonApp>;
  exchangeCode(
    instanceUrl: string,
    app: MastodonApp,
    request: { code: string; redirectUri: string; codeVerifier: string; scopes: string },
  ): Promise<MastodonGrant>;
  verifyCredentials(instanceUrl: string, accessToken: string): Promise<MastodonProfile>;
  revokeToken(instanceUrl: string, app: MastodonApp, token: string): Promise<void>;
}

export const MASTODON_SCOPES = 'read write';
const STATE_TTL_MS = 10 * 60_000;

/** "mastodon.social", "https://mastodon.social/" → "https://mastodon.social"; refuses anything else. */
export function normalizeInstanceUrl(raw: string): string {
  const text = raw.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw invalidInstance(
      `"${text.slice(0, 200)}" is not a server address. Type it as mastodon.social or https://mastodon.social.`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalidInstance(`Mastodon servers are reached over https:// (or http://), not ${url.protocol}//.`);
  }
  if (url.username || url.password)
    throw invalidInstance('A server address cannot contain a user name or password.');
  if (url.search || url.hash)
    throw invalidInstance('A server address cannot contain ? or #; give only the address.');
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

export interface StartConnectionInput {
  organizationId: string;
  userId: string;
  instanceUrl: string;
  /** Spool's callback URL, as registered with the app. */
  redirectUri: string;
}

export interface StartedConnection {
  authorizeUrl: string;
  instanceUrl: string;
  expiresAt: Date;
}

export async function startMastodonConnection(
  sql: Sql,
  sealer: SecretSealer,
  client: MastodonInstanceClient,
  input: StartConnectionInput,
): Promise<StartedConnection> {
  const instanceUrl = normalizeInstanceUrl(input.instanceUrl);
  await client.checkInstance(instanceUrl);
  const app = await appFor(sql, sealer, client, instanceUrl, input.redirectUri);
  const state = randomBytes(32).toString('base64url');
  const verifier = randomBytes(48).toString('base64url');
  const stateHash = stateHashOf(state);
  const expiresAt = new Date(Date.now() + STATE_TTL_MS);
  await sql`delete from mastodon_oauth_states where expires_at < now()`;
  await sql`
    insert into mastodon_oauth_states (state_hash, organization_id, user_id, app_id, instance_url, redirect_uri,
                                       code_verifier_sealed, expires_at)
    values (${stateHash}, ${input.organizationId}, ${input.userId}, ${app.id}, ${instanceUrl}, ${input.redirectUri},
            ${sealer.seal(verifier, `mastodon-state:${stateHash}`)}, ${expiresAt})`;
  const url = new URL(`${instanceUrl}/oauth/authorize`);
  url.searchParams.set('client_id', app.clientId);
  url.searchParams.set('redirect_uri', input.redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', MASTODON_SCOPES);
  url.searchParams.set('state', state);
  url.searchParams.set('code_challenge', createHash('sha256').update(verifier).digest('base64url'));
  url.searchParams.set('code_challenge_method', 'S256');
  return { authorizeUrl: url.toString(), instanceUrl, expiresAt };
}

interface StoredApp extends MastodonApp {
  id: string;
}

/** The app registered on this instance for this callback, registering it the first time. */
async function appFor(
  sql: Sql,
  sealer: SecretSealer,
  client: MastodonInstanceClient,
  instanceUrl: string,
  redirectUri: string,
): Promise<StoredApp> {
  const key = { instanceUrl, redirectUri };
  const existing = await loadApp(sql, sealer, key);
  if (existing) return existing;
  const registered = await client.registerApp(instanceUrl, {
    clientName: 'Spool',
    redirectUri,
    scopes: MASTODON_SCOPES,
  });
  const sealed = sealer.seal(registered.clientSecret, `mastodon-app:${instanceUrl}`);
  await sql`
    insert into mastodon_apps (instance_url, redirect_uri, scopes, client_id, client_secret_sealed)
    values (${instanceUrl}, ${redirectUri}, ${MASTODON_SCOPES}, ${registered.clientId}, ${sealed})
    on conflict (instance_url, redirect_uri, scopes) do nothing`;
  // Two people connecting at once may both register: whichever row landed is used by both.
  const stored = await loadApp(sql, sealer, key);
  if (!stored) throw new Error('the Mastodon app registration was not stored');
  return stored;
}

async function loadApp(
  sql: Sql,
  sealer: SecretSealer,
  key: { id: string } | { instanceUrl: string; redirectUri: string },
): Promise<StoredApp | undefined> {
  const where =
    'id' in key
      ? sql`id = ${key.id}`
      : sql`instance_url = ${key.instanceUrl} and redirect_uri = ${key.redirectUri} and scopes = ${MASTODON_SCOPES}`;
  const [row] = await sql<
    { id: string; instance_url: string; client_id: string; client_secret_sealed: string }[]
  >`
    select id, instance_url, client_id, client_secret_sealed from mastodon_apps where ${where}`;
  if (!row) return undefined;
  return {
    id: row.id,
    clientId: row.client_id,
    clientSecret: sealer.open(row.client_secret_sealed, `mastodon-app:${row.instance_url}`),
  };
}

export interface CompleteConnectionInput {
  userId: string;
  state: string;
  code?: string | undefined;
  /** The instance's `error` parameter when the person declined. */
  error?: string | undefined;
}

export interface CompletedConnection {
  channel: ChannelView;
  organizationId: string;
  reconnected: boolean;
}

export async function completeMastodonConnection(
  sql: Sql,
  sealer: SecretSealer,
  client: MastodonInstanceClient,
  input: CompleteConnectionInput,
): Promise<CompletedConnection> {
  const stateHash = stateHashOf(input.state);
  // Single use: the row is consumed whatever happens next.
  const [pending] = await sql<
    {
      organization_id: string;
      app_id: string;
      instance_url: string;
      redirect_uri: string;
      code_verifier_sealed: string;
      expires_at: Date;
    }[]
  >`
    delete from mastodon_oauth_states where state_hash = ${stateHash} and user_id = ${input.userId}
    returning organization_id, app_id, instance_url, redirect_uri, code_verifier_sealed, expires_at`;
  if (!pending || pending.expires_at.getTime() < Date.now()) {
    throw new SpoolError(
      'mastodon.state_invalid',
      'This Mastodon sign-in has expired, was already used, or was started by someone else. Start connecting the account again.',
      'invalid',
    );
  }
  if (input.error || !input.code) {
    throw new SpoolError(
      'mastodon.authorization_denied',
      `The Mastodon server did not grant access${input.error ? ` (${input.error.slice(0, 100)})` : ''}. Start connecting again and choose Authorize.`,
      'invalid',
    );
  }
  await assertMayManageChannels(sql, pending.organization_id, input.userId);
  const app = await loadApp(sql, sealer, { id: pending.app_id });
  if (!app)
    throw new SpoolError(
      'mastodon.state_invalid',
      'Spool’s app on this server was replaced meanwhile. Start connecting again.',
      'invalid',
    );
  const instanceUrl = pending.instance_url;
  await client.checkInstance(instanceUrl);
  let grant: MastodonGrant;
  try {
    grant = await client.exchangeCode(instanceUrl, app, {
      code: input.code,
      redirectUri: pending.redirect_uri,
      codeVerifier: sealer.open(pending.code_verifier_sealed, `mastodon-state:${stateHash}`),
      scopes: MASTODON_SCOPES,
    });
  } catch (error) {
    // An instance that forgot our app (some servers drop it when a token is revoked) gets a fresh one next time.
    if (error instanceof SpoolError && error.code === 'mastodon.app_rejected') {
      await sql`delete from mastodon_apps where id = ${app.id}`;
    }
    throw error;
  }
  const profile = await client.verifyCredentials(instanceUrl, grant.accessToken);
  const credentials = {
    accessToken: grant.accessToken,
    ...(grant.refreshToken ? { refreshToken: grant.refreshToken } : {}),
    ...(grant.expiresInSeconds
      ? { expiresAt: new Date(Date.now() + grant.expiresInSeconds * 1000).toISOString() }
      : {}),
    scope: grant.scope ?? MASTODON_SCOPES,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
  };
  const host = new URL(instanceUrl).host;
  return upsertChannel(sql, sealer, {
    organizationId: pending.organization_id,
    // Mastodon ids are only unique within an instance.
    accountId: `${profile.id}@${host}`,
    handle: `${profile.username}@${host}`,
    displayName: profile.displayName,
    avatarUrl: profile.avatarUrl,
    instanceUrl,
    credentials,
  });
}

async function upsertChannel(
  sql: Sql,
  sealer: SecretSealer,
  input: {
    organizationId: string;
    accountId: string;
    handle: string;
    displayName: string;
    avatarUrl: string | null;
    instanceUrl: string;
    credentials: Record<string, unknown>;
  },
): Promise<CompletedConnection> {
  return sql.begin(async (tx) => {
    // The same account added earlier with an access token carries its bare id (no "@host"): that
    // channel is the one to reconnect, not a second one beside it.
    const bareId = input.accountId.slice(0, input.accountId.lastIndexOf('@'));
    const [existing] = await tx<{ id: string; credentials_sealed: string | null }[]>`
      select id, credentials_sealed from channels
      where organization_id = ${input.organizationId} and network = 'mastodon'
        and (account_id = ${input.accountId}
             or (account_id = ${bareId} and rtrim(service_url, '/') = ${input.instanceUrl}))
      order by account_id = ${input.accountId} desc
      limit 1
      for update`;
    const id = existing?.id ?? randomUUID();
    // A reconnect keeps what the new grant does not replace (a refresh token the server did not reissue).
    let credentials = input.credentials;
    if (existing?.credentials_sealed) {
      try {
        credentials = {
          ...JSON.parse(sealer.open(existing.credentials_sealed, `channel:${id}`)),
          ...credentials,
        };
      } catch {
        // Unreadable old credentials (a rotated-away key): the new grant stands alone.
      }
    }
    const sealed = sealer.seal(JSON.stringify(credentials), `channel:${id}`);
    const [row] = existing
      ? await tx<ChannelRow[]>`
          update channels set account_id = ${input.accountId}, handle = ${input.handle}, display_name = ${input.displayName},
            avatar_url = ${input.avatarUrl}, service_url = ${input.instanceUrl}, credentials_sealed = ${sealed},
            connection_state = 'connected', connection_error = null, updated_at = now()
          where id = ${id}
          returning ${channelColumns(tx)}`
      : await tx<ChannelRow[]>`
          insert into channels (id, organization_id, network, account_id, handle, display_name, avatar_url,
                                service_url, credentials_sealed)
          values (${id}, ${input.organizationId}, 'mastodon', ${input.accountId}, ${input.handle}, ${input.displayName},
                  ${input.avatarUrl}, ${input.instanceUrl}, ${sealed})
          returning ${channelColumns(tx)}`;
    // Wake the publisher: a reconnected channel's due posts can go out now.
    if (existing) await tx`select pg_notify('spool_due', ${id})`;
    return {
      channel: presentChannel(row!),
      organizationId: input.organizationId,
      reconnected: Boolean(existing),
    };
  });
}

/**
 * Disconnects a Mastodon channel: its tokens are forgotten (and revoked on the instance), its queue
 * stays in place, waiting, until the account is connected again.
 */
export async function disconnectMastodonChannel(
  sql: Sql,
  sealer: SecretSealer,
  client: MastodonInstanceClient,
  input: { organizationId: string; channelId: string },
): Promise<ChannelView> {
  const { view, credentials, instanceUrl } = await sql.begin(async (tx) => {
    const [channel] = await tx<
      { id: string; credentials_sealed: string | null; service_url: string | null }[]
    >`
      select id, credentials_sealed, service_url from channels
      where id = ${input.channelId} and organization_id = ${input.organizationId} and network = 'mastodon'
      for update`;
    if (!channel) throw channelNotFound(input.channelId);
    const [row] = await tx<ChannelRow[]>`
      update channels set credentials_sealed = null, connection_state = 'disconnected',
        connection_error = 'Disconnected in Spool. Connect the account again to publish its queue.', updated_at = now()
      where id = ${channel.id}
      returning ${channelColumns(tx)}`;
    let opened: Record<string, unknown> | undefined;
    try {
      opened = channel.credentials_sealed
        ? JSON.parse(sealer.open(channel.credentials_sealed, `channel:${channel.id}`))
        : undefined;
    } catch {
      opened = undefined;
    }
    return { view: presentChannel(row!), credentials: opened, instanceUrl: channel.service_url };
  });
  const { accessToken, clientId, clientSecret } = (credentials ?? {}) as Record<string, unknown>;
  if (
    instanceUrl &&
    typeof accessToken === 'string' &&
    typeof clientId === 'string' &&
    typeof clientSecret === 'string'
  ) {
    // Best effort, after the commit: the channel is disconnected in Spool whatever the instance says.
    await client.revokeToken(instanceUrl, { clientId, clientSecret }, accessToken).catch(() => undefined);
    // Some servers (snac2) delete the app with its last token: register afresh next time.
    await sql`delete from mastodon_apps where instance_url = ${instanceUrl} and client_id = ${clientId}`;
  }
  return view;
}

function invalidInstance(message: string): SpoolError {
  return new SpoolError('mastodon.invalid_instance', message, 'invalid');
}
