import type { Sql, TransactionSql } from '../../db/connection.ts';
import { isUniqueViolation } from './create-channel.ts';
import {
  assertChannelsInOrganization,
  groupNameTaken,
  groupNotFound,
  loadGroups,
  type ProfileGroupView,
} from './profile-group-view.ts';

/** Renames a group and/or replaces its channels. */
export async function updateProfileGroup(
  sql: Sql,
  input: {
    organizationId: string;
    groupId: string;
    name?: string | undefined;
    channelIds?: readonly string[] | undefined;
  },
): Promise<ProfileGroupView> {
  try {
    return await sql.begin(async (tx) => {
      await lockGroup(tx, input.organizationId, input.groupId);
      if (input.name !== undefined) {
        await tx`update profile_groups set name = ${input.name} where id = ${input.groupId}`;
      }
      if (input.channelIds !== undefined) {
        const channelIds = [...new Set(input.channelIds)];
        await assertChannelsInOrganization(tx, input.organizationId, channelIds);
        await tx`delete from profile_group_channels where group_id = ${input.groupId}`;
        if (channelIds.length > 0) {
          await tx`
            insert into profile_group_channels (group_id, channel_id)
            select ${input.groupId}, unnest(${channelIds}::uuid[])`;
        }
      }
      const [view] = await loadGroups(tx, input.organizationId, input.groupId);
      return view!;
    });
  } catch (error) {
    if (isUniqueViolation(error) && input.name !== undefined) throw groupNameTaken(input.name);
    throw error;
  }
}

/** Adds one channel to a group (adding it twice changes nothing). */
export async function addChannelToGroup(
  sql: Sql,
  input: { organizationId: string; groupId: string; channelId: string },
): Promise<ProfileGroupView> {
  return sql.begin(async (tx) => {
    await lockGroup(tx, input.organizationId, input.groupId);
    await assertChannelsInOrganization(tx, input.organizationId, [input.channelId]);
    await tx`
      insert into profile_group_channels (group_id, channel_id) values (${input.groupId}, ${input.channelId})
      on conflict do nothing`;
    const [view] = await loadGroups(tx, input.organizationId, input.groupId);
    return view!;
  });
}

/** Takes one channel out of a group (the channel itself stays). */
export async function removeChannelFromGroup(
  sql: Sql,
  input: { organizationId: string; groupId: string; channelId: string },
): Promise<ProfileGroupView> {
  return sql.begin(async (tx) => {
    await lockGroup(tx, input.organizationId, input.groupId);
    await tx`delete from profile_group_channels where group_id = ${input.groupId} and channel_id = ${input.channelId}`;
    const [view] = await loadGroups(tx, input.organizationId, input.groupId);
    return view!;
  });
}

async function lockGroup(tx: TransactionSql, organizationId: string, groupId: string): Promise<void> {
  const [row] = await tx`
    select 1 from profile_groups where id = ${groupId} and organization_id = ${organizationId} for update`;
  if (!row) throw groupNotFound(groupId);
}
