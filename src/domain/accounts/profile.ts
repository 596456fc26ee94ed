import type { Sql } from '../../db/connection.ts';
import { hashPassword, verifyPassword } from '../../security/passwords.ts';
import { SpoolError } from '../errors.ts';
import { type RequestOrigin, recordUserAudit } from './audit.ts';
import type { Role } from './roles.ts';
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
