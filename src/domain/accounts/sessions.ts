import { randomBytes } from 'node:crypto';
import type { Sql } from '../../db/connection.ts';
import { hashToken, newToken } from '../../security/tokens.ts';
import type { RequestOrigin } from './audit.ts';
import type { Role } from './roles.ts';

export interface Session {
  userId: string;
  csrfToken: string;
  expiresAt: Date;
}

/** Server-side sessions: the cookie holds a random token, the database its hash. */
export async function createSession(
  sql: Sql,
  userId: string,
  ttlDays: number,
  origin: RequestOrigin = {},
): Promise<{ token: string; session: Session }> {
  const token = newToken('ses');
  const csrfToken = randomBytes(24).toString('base64url');
  const [row] = await sql<{ expires_at: Date }[]>`
    insert into sessions (token_hash, user_id, csrf_token, expires_at, ip, user_agent)
    values (${hashToken(token)}, ${userId}, ${csrfToken}, now() + make_interval(days => ${ttlDays}),
            ${origin.ip ?? null}, ${origin.userAgent?.slice(0, 300) ?? null})
    returning expires_at`;
  return { token, session: { userId, csrfToken, expiresAt: row!.expires_at } };
}

/**
 * Resolves a cookie token; slides the expiry at most once a minute to keep reads cheap. With an
 * organization, the same round trip also reads the person's role there (`null`: not a member), as
 * nearly every request is about one organization.
 */
export async function resolveSession(
  sql: Sql,
  token: string,
  ttlDays: number,
  organizationId?: string,
): Promise<(Session & { role?: Role | null }) | undefined> {
  const tokenHash = hashToken(token);
  const [row] = await sql<SessionRow[]>`
    select s.user_id, s.csrf_token, s.expires_at, s.last_seen_at < now() - interval '1 minute' as stale,
           (select m.role from memberships m
            where m.organization_id = ${organizationId ?? null}::uuid and m.user_id = s.user_id) as role
    from sessions s where s.token_hash = ${tokenHash} and s.expires_at > now()`;
  if (!row) return undefined;
  if (row.stale) {
    await sql`update sessions set last_seen_at = now(), expires_at = now() + make_interval(days => ${ttlDays})
              where token_hash = ${tokenHash}`;
  }
  return {
    userId: row.user_id,
    csrfToken: row.csrf_token,
    expiresAt: row.expires_at,
    ...(organizationId ? { role: row.role ?? null } : {}),
  };
}

interface SessionRow {
  user_id: string;
  csrf_token: string;
  expires_at: Date;
  stale: boolean;
  role: Role | null;
}

export async function revokeSession(sql: Sql, token: string): Promise<void> {
  await sql`delete from sessions where token_hash = ${hashToken(token)}`;
}

/** Signs a user out everywhere, optionally keeping the session that asked. */
export async function revokeUserSessions(sql: Sql, userId: string, keepToken?: string): Promise<void> {
  if (keepToken) {
    await sql`delete from sessions where user_id = ${userId} and token_hash <> ${hashToken(keepToken)}`;
  } else {
    await sql`delete from sessions where user_id = ${userId}`;
  }
}
