import type { Sql } from '../../db/connection.ts';
import { spendDecoyVerification, verifyPassword } from '../../security/passwords.ts';
import { SpoolError } from '../errors.ts';
import { type RequestOrigin, recordAudit, recordUserAudit } from './audit.ts';
import { clearWindow, hitWindow, peekWindow } from './rate-limit.ts';

/** Failed sign-ins allowed per window, per account and per client address. */
export const SIGN_IN_LIMITS = { perAccount: 5, perIp: 20, windowSeconds: 15 * 60 };

export interface SignInInput {
  email: string;
  password: string;
}

const accountKey = (email: string) => `signin:account:${email.toLowerCase()}`;
const ipKey = (ip: string) => `signin:ip:${ip}`;

function throttled(resetInSeconds: number, scope: 'account' | 'address'): SpoolError {
  const minutes = Math.ceil(resetInSeconds / 60);
  return new SpoolError(
    'auth.too_many_attempts',
    scope === 'account'
      ? `Too many failed sign-ins for this account. Try again in ${minutes} minute(s), or reset your password.`
      : `Too many failed sign-ins from your network. Try again in ${minutes} minute(s).`,
    'rate_limited',
    { retryAfterSeconds: resetInSeconds },
  );
}

/** Lifts the per-account sign-in throttle (after a password reset proves who the person is). */
export async function clearSignInThrottle(sql: Sql, email: string): Promise<void> {
  await clearWindow(sql, accountKey(email));
}

/** Checks credentials, throttling failures per account and per address. Returns the user id. */
export async function signIn(sql: Sql, input: SignInInput, origin: RequestOrigin = {}): Promise<string> {
  const limits = SIGN_IN_LIMITS;
  const [byAccount, byIp] = await Promise.all([
    peekWindow(sql, accountKey(input.email), limits.perAccount),
    origin.ip ? peekWindow(sql, ipKey(origin.ip), limits.perIp) : undefined,
  ]);
  if (byAccount?.exceeded) throw throttled(byAccount.resetInSeconds, 'account');
  if (byIp?.exceeded) throw throttled(byIp.resetInSeconds, 'address');

  const [user] = await sql<{ id: string; password_hash: string }[]>`
    select id, password_hash from users where lower(email) = lower(${input.email})`;
  const ok = user ? await verifyPassword(user.password_hash, input.password) : false;
  if (!user) await spendDecoyVerification(input.password);

  if (!ok) {
    await hitWindow(sql, accountKey(input.email), limits.perAccount, limits.windowSeconds);
    if (origin.ip) await hitWindow(sql, ipKey(origin.ip), limits.perIp, limits.windowSeconds);
    const event = { action: 'user.sign_in_failed' as const, subjectUserId: user?.id ?? null, origin };
    if (user) await recordUserAudit(sql, user.id, event);
    else await recordAudit(sql, { ...event, details: { reason: 'unknown_email' } });
    throw new SpoolError(
      'auth.invalid_credentials',
      'The email address or password is not right.',
      'unauthenticated',
    );
  }
  await clearWindow(sql, accountKey(input.email));
  await recordUserAudit(sql, user!.id, {
    action: 'user.signed_in',
    actorUserId: user!.id,
    subjectUserId: user!.id,
    origin,
  });
  return user!.id;
}
