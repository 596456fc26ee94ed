import { z } from 'zod';
import type { Sql } from '../../db/connection.ts';
import { hashPassword, verifyPassword } from '../../security/passwords.ts';
import { SpoolError } from '../errors.ts';
import { type RequestOrigin, recordUserAudit } from './audit.ts';
import type { Role } from './roles.ts';
import { personNameSchema } from './schemas.ts';
import { revokeUserSessions } from './sessions.ts';

export interface Me {
  user: { id: string; email: string; name: string; timezone: string; createdAt: Date };
  organizations: { id: string; name: string; role: Role }[];
}

export async function loadMe(sql: Sql, userId: string): Promise<Me> {
  const [user] = await sql<{ id: string; email: string; name: string; timezone: string; created_at: Date }[]>`
    select id, email, name, timezone, created_at from users where id = ${userId}`;
  if (!user) throw new SpoolError('auth.required', 'This account no longer exists.', 'unauthenticated');
  const organizations = await sql<{ id: string; name: string; role: Role }[]>`
    select o.id, o.name, m.role from memberships m join organizations o on o.id = m.organization_id
    where m.user_id = ${userId} order by m.created_at, o.name`;
  return {
    user: {
      id: user.id,
      email: user.email,
      name: user.name,
      timezone: user.timezone,
      createdAt: user.created_at,
    },
    organizations: [...organizations],
  };
}

/** What a person may change about themselves; a field left out stays as it is. */
export const profileChangesSchema = z.object({
  name: personNameSchema.min(1, { message: 'must not be empty' }).optional(),
  timezone: z
    .string()
    .trim()
    .min(1, { message: 'must not be empty' })
    .max(100, { message: 'must be at most 100 characters' })
    .optional(),
});
export type ProfileChanges = z.infer<typeof profileChangesSchema>;

/**
 * The canonical IANA name of a time zone, or undefined when it is not one. The runtime's own zone
 * data decides (as it will when dates are shown), and its canonical spelling is what gets stored:
 * "europe/paris" becomes "Europe/Paris", the alias "US/Eastern" becomes "America/New_York".
 * Offsets such as "+02:00" are refused: they ignore daylight saving, so a digest would drift.
 */
export function canonicalTimeZone(name: string): string | undefined {
  if (!/^[A-Za-z]/.test(name)) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** Changes the name and/or time zone; a change (not a no-op) is recorded in the audit log. */
export async function updateProfile(
  sql: Sql,
  userId: string,
  changes: ProfileChanges,
  origin: RequestOrigin = {},
): Promise<Me> {
  const timezone = changes.timezone === undefined ? undefined : canonicalTimeZone(changes.timezone);
  if (changes.timezone !== undefined && !timezone) {
    throw new SpoolError(
      'profile.invalid_timezone',
      `"${changes.timezone}" is not a time zone Spool knows; choose one such as "Europe/London" or "America/New_York".`,
      'invalid',
      { field: 'timezone' },
    );
  }
  await sql.begin(async (tx) => {
    const [before] = await tx<{ name: string; timezone: string }[]>`
      select name, timezone from users where id = ${userId} for update`;
    if (!before) throw new SpoolError('auth.required', 'This account no longer exists.', 'unauthenticated');
    const name = changes.name ?? before.name;
    const zone = timezone ?? before.timezone;
    const changed = [name !== before.name ? 'name' : '', zone !== before.timezone ? 'timezone' : ''].filter(
      Boolean,
    );
    if (changed.length === 0) return;
    await tx`update users set name = ${name}, timezone = ${zone}, updated_at = now() where id = ${userId}`;
    await recordUserAudit(tx as unknown as Sql, userId, {
      action: 'user.profile_changed',
      actorUserId: userId,
      subjectUserId: userId,
      details: { changed: changed.join(','), ...(zone !== before.timezone ? { timezone: zone } : {}) },
      origin,
    });
  });
  return loadMe(sql, userId);
}

/** Changes the password after checking the current one; signs out every other session. */
export async function changePassword(
  sql: Sql,
  userId: string,
  input: { currentPassword: string; newPassword: string },
  keepSessionToken: string | undefined,
  origin: RequestOrigin = {},
): Promise<void> {
  const [user] = await sql<{ password_hash: string }[]>`select password_hash from users where id = ${userId}`;
  if (!user || !(await verifyPassword(user.password_hash, input.currentPassword))) {
    throw new SpoolError('auth.invalid_credentials', 'Your current password is not right.', 'invalid', {
      field: 'currentPassword',
    });
  }
  const passwordHash = await hashPassword(input.newPassword);
  await sql`update users set password_hash = ${passwordHash}, password_changed_at = now(), updated_at = now()
            where id = ${userId}`;
  await revokeUserSessions(sql, userId, keepSessionToken);
  await recordUserAudit(sql, userId, {
    action: 'user.password_changed',
    actorUserId: userId,
    subjectUserId: userId,
    origin,
  });
}

/**
 * Deletes the account after checking the password. An organization whose only owner is this user
 * would be left without one: the user must hand it over (or it is deleted with them if they are its
 * only member).
 */
export async function deleteAccount(sql: Sql, userId: string, password: string, origin: RequestOrigin = {}) {
  const [user] = await sql<{ password_hash: string }[]>`select password_hash from users where id = ${userId}`;
  if (!user || !(await verifyPassword(user.password_hash, password))) {
    throw new SpoolError('auth.invalid_credentials', 'Your password is not right.', 'invalid', {
      field: 'password',
    });
  }
  await sql.begin(async (tx) => {
    const orphaned = await tx<{ id: string; name: string; members: number }[]>`
      select o.id, o.name, (select count(*)::int from memberships x where x.organization_id = o.id) as members
      from memberships m join organizations o on o.id = m.organization_id
      where m.user_id = ${userId} and m.role = 'owner'
        and not exists (select 1 from memberships y where y.organization_id = o.id and y.role = 'owner' and y.user_id <> ${userId})`;
    const blocking = orphaned.filter((o) => o.members > 1);
    if (blocking.length > 0) {
      throw new SpoolError(
        'user.last_owner',
        `You are the only owner of ${blocking.map((o) => `"${o.name}"`).join(', ')}. Make someone else an owner first.`,
        'conflict',
        { organizations: blocking.map((o) => o.id) },
      );
    }
    await recordUserAudit(tx as unknown as Sql, userId, {
      action: 'user.deleted',
      actorUserId: userId,
      subjectUserId: userId,
      origin,
    });
    for (const o of orphaned) await tx`delete from organizations where id = ${o.id}`;
    await tx`delete from users where id = ${userId}`;
  });
}
