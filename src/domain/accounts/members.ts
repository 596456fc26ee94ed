import type { Sql } from '../../db/connection.ts';
import { SpoolError } from '../errors.ts';
import { type RequestOrigin, recordAudit } from './audit.ts';
import { can, type Role } from './roles.ts';

export interface MemberView {
  userId: string;
  email: string;
  name: string;
  role: Role;
  joinedAt: Date;
}

export async function listMembers(sql: Sql, organizationId: string): Promise<MemberView[]> {
  const rows = await sql<{ user_id: string; email: string; name: string; role: Role; created_at: Date }[]>`
    select m.user_id, u.email, u.name, m.role, m.created_at
    from memberships m join users u on u.id = m.user_id
    where m.organization_id = ${organizationId}
    order by array_position(array['owner', 'admin', 'editor', 'contributor'], m.role), lower(u.email)`;
  return rows.map((r) => ({
    userId: r.user_id,
    email: r.email,
    name: r.name,
    role: r.role,
    joinedAt: r.created_at,
  }));
}

/** Who may hand out or take away the owner role: owners only, so an admin can never take over. */
export function ownerRequired(): SpoolError {
  return new SpoolError(
    'member.owner_required',
    'Only an owner can make someone an owner, or change or remove an owner. Ask an owner of the organization.',
    'forbidden',
  );
}

function lastOwner(): SpoolError {
  return new SpoolError(
    'member.last_owner',
    'An organization always needs an owner: make another member an owner first (or delete the organization).',
    'conflict',
  );
}

function memberNotFound(): SpoolError {
  return new SpoolError('member.not_found', 'This person is not a member of the organization.', 'not_found');
}

/**
 * Reads every membership of the organization under a row lock, so that two owners demoting each
 * other at the same moment cannot both succeed and leave the organization without an owner.
 */
async function lockMemberships(tx: Sql, organizationId: string): Promise<Map<string, Role>> {
  const rows = await tx<{ user_id: string; role: Role }[]>`
    select user_id, role from memberships where organization_id = ${organizationId} for update`;
  return new Map(rows.map((r) => [r.user_id, r.role]));
}

const ownerCount = (roles: Map<string, Role>) => [...roles.values()].filter((r) => r === 'owner').length;

export interface MemberChange {
  organizationId: string;
  actorUserId: string;
  memberUserId: string;
}

/** Changes a member's role. Owners alone touch the owner role; the last owner stays an owner. */
export async function changeMemberRole(
  sql: Sql,
  change: MemberChange & { role: Role },
  origin: RequestOrigin = {},
): Promise<MemberView> {
  await sql.begin(async (tx) => {
    const txSql = tx as unknown as Sql;
    const roles = await lockMemberships(txSql, change.organizationId);
    const actorRole = roles.get(change.actorUserId);
    const currentRole = roles.get(change.memberUserId);
    if (!actorRole) throw memberNotFound();
    if (!can(actorRole, 'members.manage')) throw forbidden(actorRole);
    if (!currentRole) throw memberNotFound();
    if (currentRole === change.role) return;
    if (actorRole !== 'owner' && (currentRole === 'owner' || change.role === 'owner')) throw ownerRequired();
    if (currentRole === 'owner' && ownerCount(roles) === 1) throw lastOwner();
    await tx`update memberships set role = ${change.role}
             where organization_id = ${change.organizationId} and user_id = ${change.memberUserId}`;
    await recordAudit(txSql, {
      action: 'member.role_changed',
      organizationId: change.organizationId,
      actorUserId: change.actorUserId,
      subjectUserId: change.memberUserId,
      details: { from: currentRole, to: change.role },
      origin,
    });
  });
  const member = (await listMembers(sql, change.organizationId)).find(
    (m) => m.userId === change.memberUserId,
  );
  if (!member) throw memberNotFound();
  return member;
}

/**
 * Removes a member, or lets a member leave. Removing someone else needs `members.manage`, and
 * removing an owner needs an owner; nobody, not even the last owner themself, leaves it ownerless.
 */
export async function removeMember(sql: Sql, change: MemberChange, origin: RequestOrigin = {}) {
  await sql.begin(async (tx) => {
    const txSql = tx as unknown as Sql;
    const roles = await lockMemberships(txSql, change.organizationId);
    const actorRole = roles.get(change.actorUserId);
    const memberRole = roles.get(change.memberUserId);
    if (!actorRole) throw memberNotFound();
    const leaving = change.actorUserId === change.memberUserId;
    if (!leaving && !can(actorRole, 'members.manage')) throw forbidden(actorRole);
    if (!memberRole) throw memberNotFound();
    if (!leaving && memberRole === 'owner' && actorRole !== 'owner') throw ownerRequired();
    if (memberRole === 'owner' && ownerCount(roles) === 1) throw lastOwner();
    await tx`delete from memberships
             where organization_id = ${change.organizationId} and user_id = ${change.memberUserId}`;
    await recordAudit(txSql, {
      action: 'member.removed',
      organizationId: change.organizationId,
      actorUserId: change.actorUserId,
      subjectUserId: change.memberUserId,
      details: { role: memberRole, left: leaving },
      origin,
    });
  });
}

function forbidden(role: Role): SpoolError {
  return new SpoolError(
    'auth.forbidden',
    `Your role (${role}) cannot do this. Ask an owner or admin of the organization.`,
    'forbidden',
    { role, permission: 'members.manage' },
  );
}
