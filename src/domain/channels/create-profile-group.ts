import type { Sql } from '../../db/connection.ts';
import { isUniqueViolation } from './create-channel.ts';
import {
  assertChannelsInOrganization,
  groupNameTaken,
  loadGroups,
  type ProfileGroupView,
} from './profile-group-view.ts';

export async function createProfileGroup(
  sql: Sql,
  input: { organizationId: string; name: string; channelIds: readonly string[] },
): Promise<ProfileGroupView> {
  const channelIds = [...new Set(input.channelIds)];
  try {
    return await sql.begin(async (tx) => {
      await assertChannelsInOrganization(tx, input.organizationId, channelIds);
      const [group] = await tx<{ id: string }[]>`
        insert into profile_groups (organization_id, name) values (${input.organizationId}, ${input.name})
        returning id`;
      if (channelIds.length > 0) {
        await tx`
          insert into profile_group_channels (group_id, channel_id)
          select ${group!.id}, unnest(${channelIds}::uuid[])`;
      }
      const [view] = await loadGroups(tx, input.organizationId, group!.id);
      return view!;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw groupNameTaken(input.name);
    throw error;
  }
}
