import type { Sql } from '../../db/connection.ts';
import { displayPrefix, hashToken, newToken } from '../../security/tokens.ts';
import { SpoolError } from '../errors.ts';
import { type RequestOrigin, recordUserAudit } from './audit.ts';
import type { Scope } from './roles.ts';

export interface TokenIdentity {
  tokenId: string;
  userId: string;
  kind: 'personal' | 'oauth';
  scopes: Scope[];
  oauthClientId: string | null;
}

export interface ApiTokenView {
  id: string;
  name: string;
  kind: 'personal' | 'oauth';
  prefix: string;
  scopes: Scope[];
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
}

/** Creates a personal access token; the token itself is returned once and never stored. */
export async function createPersonalToken(
  sql: Sql,
  userId: string,
  input: { name: string; scopes: Scope[]; expiresInDays?: number | undefined },
  origin: RequestOrigin = {},
): Promise<{ token: string; view: ApiTokenView }> {
  const token = newToken('pat');
  const [row] = await sql<ApiTokenRow[]>`
    insert into api_tokens (user_id, kind, name, token_hash, display_prefix, scopes, expires_at)
    values (${userId}, 'personal', ${input.name}, ${hashToken(token)}, ${displayPrefix(token)}, ${input.scopes},
            ${input.expiresInDays ? sql`now() + make_interval(days => ${input.expiresInDays})` : null})
    returning ${sql(TOKEN_COLUMNS)}`;
  await recordUserAudit(sql, userId, {
    action: 'token.created',
    actorUserId: userId,
    subjectUserId: userId,
    details: { name: input.name, scopes: input.scopes.join(' ') },
    origin,
  });
  return { token, view: present(row!) };
}

/** Resolves a bearer token to its user and scopes; marks it used (at most once a minute). */
export async function resolveBearerToken(sql: Sql, token: string): Promise<TokenIdentity | undefined> {
  if (!token.startsWith('spool_pat_') && !token.startsWith('spool_oat_')) return undefined;
  const [row] = await sql<
    {
      id: string;
      user_id: string;
      kind: 'personal' | 'oauth';
      scopes: Scope[];
      oauth_client_id: string | null;
      stale: boolean;
    }[]
  >`
    select id, user_id, kind, scopes, oauth_client_id,
           last_used_at is null or last_used_at < now() - interval '1 minute' as stale
    from api_tokens
    where token_hash = ${hashToken(token)} and revoked_at is null and (expires_at is null or expires_at > now())`;
  if (!row) return undefined;
  if (row.stale) await sql`update api_tokens set last_used_at = now() where id = ${row.id}`;
  return {
    tokenId: row.id,
    userId: row.user_id,
    kind: row.kind,
    scopes: row.scopes,
    oauthClientId: row.oauth_client_id,
  };
}

export async function listTokens(sql: Sql, userId: string): Promise<ApiTokenView[]> {
  const rows = await sql<ApiTokenRow[]>`
    select ${sql(TOKEN_COLUMNS)} from api_tokens
    where user_id = ${userId} and revoked_at is null and (expires_at is null or expires_at > now())
    order by created_at desc`;
  return rows.map(present);
}

export async function revokeToken(sql: Sql, userId: string, tokenId: string, origin: RequestOrigin = {}) {
  const [row] = await sql<{ name: string }[]>`
    update api_tokens set revoked_at = now()
    where id = ${tokenId} and user_id = ${userId} and revoked_at is null
    returning name`;
  if (!row)
    throw new SpoolError(
      'token.not_found',
      'There is no such token (it may already be revoked).',
      'not_found',
    );
  await recordUserAudit(sql, userId, {
    action: 'token.revoked',
    actorUserId: userId,
    subjectUserId: userId,
    details: { name: row.name },
    origin,
  });
}

const TOKEN_COLUMNS = [
  'id',
  'name',
  'kind',
  'display_prefix',
  'scopes',
  'created_at',
  'last_used_at',
  'expires_at',
];

interface ApiTokenRow {
  id: string;
  name: string;
  kind: 'personal' | 'oauth';
  display_prefix: string;
  scopes: Scope[];
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date | null;
}

function present(row: ApiTokenRow): ApiTokenView {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    prefix: row.display_prefix,
    scopes: row.scopes,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
  };
}
