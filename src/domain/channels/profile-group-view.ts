import type { Sql, TransactionSql } from '../../db/connection.ts';
import { SpoolError } from '../errors.ts';
import { channelNotFound } from './channel-view.ts';

/** A named set of channels (e.g. one per client), to pick together in the composer and filters. */
export interface ProfileGroupView {
  id: string;
  name: string;
  channelIds: string[];
  createdAt: Date;
}

interface GroupRow {
  id: string;
  name: string;
  channel_ids: string[];
  created_at: Date;
}

export async function loadGroups(
  sql: Sql | TransactionSql,
  organizationId: string,
  groupId?: string,
): Promise<ProfileGroupView[]> {
  const rows = await sql<GroupRow[]>`
    select g.id, g.name, g.created_at,
           coalesce(array_agg(gc.channel_id order by gc.channel_id) filter (where gc.channel_id is not null), '{}')
             as channel_ids
    from profile_groups g left join profile_group_channels gc on gc.group_id = g.id
    where g.organization_id = ${organizationId} ${groupId ? sql`and g.id = ${groupId}` : sql``}
    group by g.id
    order by g.name, g.id`;
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    channelIds: row.channel_ids,
    createdAt: row.created_at,
  }));
}

export function groupNotFound(groupId?: string): SpoolError {
  return new SpoolError(
    'group.not_found',
    'There is no such profile group in this organization.',
    'not_found',
    groupId ? { groupId } : undefined,
  );
}

export function groupNameTaken(name: string): SpoolError {
  return new SpoolError(
    'group.name_taken',
    `There is already a profile group named "${name}"; choose another name.`,
    'conflict',
  );
}

/** Every channel must belong to the organization; another organization's channel answers 404. */
export async function assertChannelsInOrganization(
  sql: Sql | TransactionSql,
  organizationId: string,
  channelIds: readonly string[],
): Promise<void> {
  if (channelIds.length === 0) return;
  const rows = await sql<{ id: string }[]>`
    select id from channels where organization_id = ${organizationId} and id = any(${[...channelIds]}::uuid[])`;
  const found = new Set(rows.map((r) => r.id));
  const missing = channelIds.find((id) => !found.has(id));
  if (missing) throw channelNotFound(missing);
}
