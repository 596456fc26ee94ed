import type { Sql } from '../../db/connection.ts';
import { groupNotFound } from './profile-group-view.ts';

/** Deletes a group; its channels stay. */
export async function deleteProfileGroup(
  sql: Sql,
  input: { organizationId: string; groupId: string },
): Promise<void> {
  const rows = await sql`
    delete from profile_groups where id = ${input.groupId} and organization_id = ${input.organizationId}
    returning id`;
  if (rows.length === 0) throw groupNotFound(input.groupId);
}
