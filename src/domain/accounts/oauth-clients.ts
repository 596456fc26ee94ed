import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Sql } from '../../db/connection.ts';
import { hashToken, newToken } from '../../security/tokens.ts';
import { SpoolError } from '../errors.ts';
import { type RequestOrigin, recordUserAudit } from './audit.ts';

/**
 * Apps registered to use Spool's OAuth 2 authorization server (RFC 6749). A confidential client
 * (a web server) gets a secret, shown once and stored hashed; a public client (browser extension,
 * mobile app) has none and must use PKCE. Redirect URIs are matched exactly, never by pattern.
 */
export interface OAuthClient {
  /** Our row id (api_tokens, codes and refresh tokens point to it). */
  id: string;
  /** The public identifier apps send as `client_id`. */
  clientId: string;
  name: string;
  redirectUris: string[];
  confidential: boolean;
  secretHash: Buffer | null;
}

/** What the owner of a client sees; field names follow OAuth's client metadata (RFC 7591). */
export interface OAuthClientView {
  client_id: string;
  name: string;
  redirect_uris: string[];
  confidential: boolean;
  created_at: Date;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
// Plain DNS names or IP literals only: the origin ends up in a Content-Security-Policy header.
const SAFE_HOST = /^(?:[a-z0-9-]+\.)*[a-z0-9-]+$|^\[[0-9a-f:.]+\]$/;

/** Why a redirect URI cannot be registered, or undefined when it can. */
export function redirectUriProblem(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URL such as https://app.example.com/callback';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use https';
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    return 'must use https (http is allowed only for 127.0.0.1, localhost and [::1])';
  }
  if (uri.includes('#')) return 'must not contain a fragment (#…)';
  if (url.username || url.password) return 'must not contain a user name or password';
  if (!SAFE_HOST.test(url.hostname))
    return 'must have a plain host name (no wildcards or special characters)';
  return undefined;
}

export const redirectUriSchema = z
  .string()
  .max(2000, { message: 'must be at most 2000 characters' })
  // URL parsing forgives spaces and control characters; exact matching must not.
  .regex(/^[\x21-\x7e]+$/, { message: 'must not contain spaces or non-ASCII characters' })
  .superRefine((uri, ctx) => {
    const problem = redirectUriProblem(uri);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const clientRegistrationSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, { message: 'must not be empty' })
    .max(100, { message: 'must be at most 100 characters' }),
  redirect_uris: z
    .array(redirectUriSchema)
    .min(1, { message: 'must list at least one redirect URI' })
    .max(10, { message: 'must list at most 10 redirect URIs' }),
  confidential: z.boolean(),
});
export type ClientRegistration = z.infer<typeof clientRegistrationSchema>;

/** Registers an app owned by `userId`; the secret (confidential clients) is returned this once. */
export async function registerClient(
  sql: Sql,
  userId: string,
  input: ClientRegistration,
  origin: RequestOrigin = {},
): Promise<{ client: OAuthClientView; clientSecret: string | undefined }> {
  const clientId = randomBytes(18).toString('base64url');
  const clientSecret = input.confidential ? newToken('cs') : undefined;
  const redirectUris = [...new Set(input.redirect_uris)];
  return sql.begin(async (tx) => {
    const [row] = await tx<ClientRow[]>`
      insert into oauth_clients (client_id, client_secret_hash, name, redirect_uris, owner_user_id)
      values (${clientId}, ${clientSecret ? hashToken(clientSecret) : null}, ${input.name}, ${redirectUris},
              ${userId})
      returning client_id, name, redirect_uris, client_secret_hash is not null as confidential, created_at`;
    await recordUserAudit(tx as unknown as Sql, userId, {
      action: 'oauth.client_created',
      actorUserId: userId,
      subjectUserId: userId,
      details: { clientId, name: input.name, confidential: input.confidential },
      origin,
    });
    return { client: present(row!), clientSecret };
  });
}

export async function listClients(sql: Sql, userId: string): Promise<OAuthClientView[]> {
  const rows = await sql<ClientRow[]>`
    select client_id, name, redirect_uris, client_secret_hash is not null as confidential, created_at
    from oauth_clients
    where owner_user_id = ${userId} and revoked_at is null
    order by created_at desc`;
  return rows.map(present);
}

/** Removes an app and ends its access everywhere: every token and pending code it holds. */
export async function revokeClient(sql: Sql, userId: string, clientId: string): Promise<void> {
  await sql.begin(async (tx) => {
    const [row] = await tx<{ id: string }[]>`
      update oauth_clients set revoked_at = now()
      where client_id = ${clientId} and owner_user_id = ${userId} and revoked_at is null
      returning id`;
    if (!row) throw clientNotFound();
    await tx`update api_tokens set revoked_at = now() where oauth_client_id = ${row.id} and revoked_at is null`;
    await tx`update oauth_refresh_tokens set revoked_at = now()
             where client_id = ${row.id} and revoked_at is null`;
    await tx`delete from oauth_authorization_codes where client_id = ${row.id}`;
    await recordUserAudit(tx as unknown as Sql, userId, {
      action: 'oauth.client_revoked',
      actorUserId: userId,
      subjectUserId: userId,
      details: { clientId },
    });
  });
}

/** An app someone else may have registered, holding live access to this person's account. */
export interface AuthorizedAppView {
  client_id: string;
  name: string;
  scopes: string[];
  /** When the app last obtained tokens (authorized or refreshed). */
  last_active_at: Date;
}

/** The apps holding a live refresh token for `userId`, so the person can see and end their access. */
export async function listAuthorizedApps(sql: Sql, userId: string): Promise<AuthorizedAppView[]> {
  return sql<AuthorizedAppView[]>`
    select c.client_id, c.name, array_agg(distinct s.scope) as scopes, max(r.created_at) as last_active_at
    from oauth_refresh_tokens r
    join oauth_clients c on c.id = r.client_id
    cross join lateral unnest(r.scopes) as s(scope)
    where r.user_id = ${userId} and r.revoked_at is null and r.expires_at > now() and c.revoked_at is null
    group by c.client_id, c.name
    order by last_active_at desc`;
}

/** Ends every token an app holds for `userId` (the app itself stays registered for others). */
export async function revokeAppAccess(sql: Sql, userId: string, clientId: string): Promise<void> {
  await sql.begin(async (tx) => {
    const [client] = await tx<{ id: string }[]>`select id from oauth_clients where client_id = ${clientId}`;
    const tokens = client
      ? await tx`update oauth_refresh_tokens set revoked_at = now()
                 where client_id = ${client.id} and user_id = ${userId} and revoked_at is null returning 1`
      : [];
    if (!client || tokens.length === 0) {
      throw new SpoolError(
        'oauth.authorization_not_found',
        'This app has no access to your account.',
        'not_found',
      );
    }
    await tx`update api_tokens set revoked_at = now()
             where oauth_client_id = ${client.id} and user_id = ${userId} and revoked_at is null`;
    await recordUserAudit(tx as unknown as Sql, userId, {
      action: 'oauth.access_revoked',
      actorUserId: userId,
      subjectUserId: userId,
      details: { clientId },
    });
  });
}

/** An app that may still take part in OAuth flows (registered and not removed). */
export async function findActiveClient(sql: Sql, clientId: string): Promise<OAuthClient | undefined> {
  const [row] = await sql<(ClientRow & { id: string; client_secret_hash: Buffer | null })[]>`
    select id, client_id, name, redirect_uris, client_secret_hash is not null as confidential, created_at,
           client_secret_hash
    from oauth_clients
    where client_id = ${clientId} and revoked_at is null`;
  if (!row) return undefined;
  return {
    id: row.id,
    clientId: row.client_id,
    name: row.name,
    redirectUris: row.redirect_uris,
    confidential: row.client_secret_hash !== null,
    secretHash: row.client_secret_hash,
  };
}

function clientNotFound(): SpoolError {
  return new SpoolError(
    'oauth.client_not_found',
    'There is no such app among yours (it may already be removed).',
    'not_found',
  );
}

interface ClientRow {
  client_id: string;
  name: string;
  redirect_uris: string[];
  confidential: boolean;
  created_at: Date;
}

function present(row: ClientRow): OAuthClientView {
  return {
    client_id: row.client_id,
    name: row.name,
    redirect_uris: row.redirect_uris,
    confidential: row.confidential,
    created_at: row.created_at,
  };
}
