import type { Sql } from '../../db/connection.ts';
import { passwordResetEmail, passwordResetLink } from '../../mail/templates.ts';
import type { Mailer } from '../../ports/mailer.ts';
import { hashPassword } from '../../security/passwords.ts';
import { hashToken, newToken } from '../../security/tokens.ts';
import { SpoolError } from '../errors.ts';
import { type RequestOrigin, recordUserAudit } from './audit.ts';
import { hitWindow } from './rate-limit.ts';
import { revokeUserSessions } from './sessions.ts';
import { clearSignInThrottle } from './sign-in.ts';

/** Reset requests allowed per window, per address asked about and per client address. */
export const PASSWORD_RESET_LIMITS = { perEmail: 3, perIp: 20, windowSeconds: 60 * 60 };
export const PASSWORD_RESET_TTL_MINUTES = 60;

/**
 * Counts a reset request and refuses it past the limits. The count does not depend on whether the
 * account exists, so the answer reveals nothing about who has an account.
 */
export async function throttlePasswordResetRequest(sql: Sql, email: string, ip: string | undefined) {
  const limits = PASSWORD_RESET_LIMITS;
  const byEmail = await hitWindow(
    sql,
    `reset:email:${email.toLowerCase()}`,
    limits.perEmail,
    limits.windowSeconds,
  );
  const byIp = ip ? await hitWindow(sql, `reset:ip:${ip}`, limits.perIp, limits.windowSeconds) : undefined;
  const exceeded = [byEmail, byIp].find((w) => w?.exceeded);
  if (exceeded) {
    const minutes = Math.ceil(exceeded.resetInSeconds / 60);
    throw new SpoolError(
      'password_reset.too_many_requests',
      `Too many password reset requests. Check your inbox (and spam folder) for the last email, or try again in ${minutes} minute(s).`,
      'rate_limited',
      { retryAfterSeconds: exceeded.resetInSeconds },
    );
  }
}

/**
 * Emails a single-use reset link when an account has this address; does nothing otherwise. Callers
 * answer the same either way and may run this after answering, so timing reveals nothing either.
 */
export async function sendPasswordReset(
  sql: Sql,
  mailer: Mailer,
  input: { email: string; baseUrl: string },
  origin: RequestOrigin = {},
): Promise<void> {
  const [user] = await sql<{ id: string; email: string }[]>`
    select id, email from users where lower(email) = lower(${input.email})`;
  if (!user) return;
  const token = newToken('reset');
  const tokenHash = hashToken(token);
  await sql`
    insert into password_reset_tokens (token_hash, user_id, expires_at)
    values (${tokenHash}, ${user.id}, now() + make_interval(mins => ${PASSWORD_RESET_TTL_MINUTES}))`;
  const email = passwordResetEmail({
    link: passwordResetLink(input.baseUrl, token),
    validForMinutes: PASSWORD_RESET_TTL_MINUTES,
  });
  try {
    await mailer.send({ to: user.email, ...email });
  } catch (error) {
    // A link nobody received must not stay usable.
    await sql`delete from password_reset_tokens where token_hash = ${tokenHash}`;
    throw error;
  }
  await recordUserAudit(sql, user.id, {
    action: 'user.password_reset_requested',
    subjectUserId: user.id,
    origin,
  });
}

type TokenState = { userId: string; status: 'valid' } | { status: 'unknown' | 'used' | 'expired' };

async function readResetToken(sql: Sql, tokenHash: Buffer, lock: boolean): Promise<TokenState> {
  const [row] = await sql<{ user_id: string; used: boolean; expired: boolean }[]>`
    select user_id, used_at is not null as used, expires_at <= now() as expired
    from password_reset_tokens where token_hash = ${tokenHash}
    ${lock ? sql`for update` : sql``}`;
  if (!row) return { status: 'unknown' };
  if (row.used) return { status: 'used' };
  if (row.expired) return { status: 'expired' };
  return { status: 'valid', userId: row.user_id };
}

function invalidToken(status: 'unknown' | 'used' | 'expired'): SpoolError {
  const why = {
    unknown: 'This password reset link is not valid (it may be mistyped or incomplete).',
    used: 'This password reset link has already been used.',
    expired: `This password reset link has expired (links work for ${PASSWORD_RESET_TTL_MINUTES} minutes).`,
  }[status];
  return new SpoolError(
    'password_reset.invalid_token',
    `${why} Ask for a new link from the sign-in page.`,
    'invalid',
    { reason: status },
  );
}

/**
 * Sets a new password from a reset link: the link is spent, every other outstanding link of the
 * user stops working, and every session is signed out (whoever had the old password is out too).
 */
export async function resetPassword(
  sql: Sql,
  input: { token: string; newPassword: string },
  origin: RequestOrigin = {},
): Promise<{ userId: string }> {
  const tokenHash = hashToken(input.token);
  // Checked before the slow hash so that junk tokens cost little; checked again under a lock below.
  const first = await readResetToken(sql, tokenHash, false);
  if (first.status !== 'valid') throw invalidToken(first.status);
  const passwordHash = await hashPassword(input.newPassword);
  return sql.begin(async (tx) => {
    const txSql = tx as unknown as Sql;
    const state = await readResetToken(txSql, tokenHash, true);
    if (state.status !== 'valid') throw invalidToken(state.status);
    const { userId } = state;
    await tx`update users set password_hash = ${passwordHash}, password_changed_at = now(), updated_at = now()
             where id = ${userId}`;
    await tx`update password_reset_tokens set used_at = now() where user_id = ${userId} and used_at is null`;
    await revokeUserSessions(txSql, userId);
    const [owner] = await tx<{ email: string }[]>`select email from users where id = ${userId}`;
    if (owner) await clearSignInThrottle(txSql, owner.email);
    await recordUserAudit(txSql, userId, {
      action: 'user.password_reset',
      actorUserId: userId,
      subjectUserId: userId,
      origin,
    });
    return { userId };
  });
}
