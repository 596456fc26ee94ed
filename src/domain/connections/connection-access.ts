import type { Sql } from '../../db/connection.ts';
import { hashToken } from '../../security/tokens.ts';
import { can, type Role } from '../accounts/roles.ts';
import { SpoolError } from '../errors.ts';

/**
 * An OAuth callback arrives minutes after the person started connecting: check again that they
 * may still add channels to that organization (a role can change, a membership can end).
 */
export async function assertMayManageChannels(
  sql: Sql,
  organizationId: string,
  userId: string,
): Promise<void> {
  const [membership] = await sql<{ role: Role }[]>`
    select role from memberships where organization_id = ${organizationId} and user_id = ${userId}`;
  if (!membership || !can(membership.role, 'channels.manage')) {
    throw new SpoolError(
      'auth.forbidden',
      'You can no longer add channels to this organization. Ask an owner or admin.',
      'forbidden',
    );
  }
}

/** An OAuth sign-in's `state` is stored only as this hash: the value itself lives in the person's browser. */
export function stateHashOf(state: string): string {
  return hashToken(state).toString('hex');
}
