import type { Sql } from '../../db/connection.ts';
import { groupNotFound } from '../channels/profile-group-view.ts';
import { type Page, type PageRequest, SORT_KEY_FORMAT, toPage } from '../posts/page.ts';
import { presentTarget, type TargetRow, type TargetView, targetColumns } from '../posts/target-view.ts';

/** The channel a post of a group's queue goes to, enough to show it beside the post. */
export interface QueueChannel {
  id: string;
  network: string;
  handle: string;
  displayName: string;
  avatarUrl: string | null;
  timezone: string;
  /** A paused channel's posts stay queued but are not published until it is resumed. */
  paused: boolean;
}

export type GroupQueueItem = TargetView & { channel: QueueChannel };

interface GroupQueueRow extends TargetRow {
  sort_key: string;
  channel_network: string;
  channel_handle: string;
  channel_display_name: string;
  channel_avatar_url: string | null;
  channel_timezone: string;
  channel_paused: boolean;
}

/**
 * The upcoming posts (queued and custom-scheduled) of every channel in a profile group, merged in
 * the order they go out: by due time, then id, as each channel's queue is ordered.
 *
 * One query: for each channel of the group, the next `limit + 1` posts after the cursor come from
 * its own ordered index range (post_targets_channel_queue, index-only); the merged page is the
 * first `limit + 1` of those, and only they are joined to their posts. A page therefore costs
 * (channels × page size) index entries however deep it is and however long the queues are.
 */
export async function listGroupQueue(
  sql: Sql,
  input: { organizationId: string; groupId: string } & PageRequest,
): Promise<Page<GroupQueueItem>> {
  const { after, organizationId } = input;
  const rows = await sql<GroupQueueRow[]>`
    with next_per_channel as (
      select c.id as channel_id, n.id, n.due_at
      from profile_groups g
      join profile_group_channels gc on gc.group_id = g.id
      join channels c on c.id = gc.channel_id and c.organization_id = g.organization_id
      cross join lateral (
        select q.id, q.due_at
        from post_targets q
        where q.channel_id = c.id and q.status in ('queued', 'scheduled')
          ${
            after
              ? sql`and q.due_at >= ${after.key}::timestamptz
                    and (q.due_at, q.id) > (${after.key}::timestamptz, ${after.id}::uuid)`
              : sql``
          }
        order by q.due_at, q.id
        limit ${input.limit + 1}
      ) n
      where g.id = ${input.groupId} and g.organization_id = ${organizationId}
      order by n.due_at, n.id
      limit ${input.limit + 1}
    )
    select ${targetColumns(sql)}, to_char(t.due_at at time zone 'UTC', ${SORT_KEY_FORMAT}) as sort_key,
      c.network as channel_network, c.handle as channel_handle, c.display_name as channel_display_name,
      c.avatar_url as channel_avatar_url, c.timezone as channel_timezone, c.paused as channel_paused
    from next_per_channel n
    join post_targets t on t.id = n.id and t.organization_id = ${organizationId}
    join posts p on p.id = t.post_id
    join channels c on c.id = n.channel_id
    order by t.due_at, t.id`;
  // An empty page may mean the group is not the organization's: then it is not found (one query
  // less on every page that has posts).
  if (rows.length === 0) {
    const [group] = await sql`
      select 1 from profile_groups where id = ${input.groupId} and organization_id = ${organizationId}`;
    if (!group) throw groupNotFound(input.groupId);
  }
  return toPage(rows, input.limit, presentGroupQueueItem);
}

function presentGroupQueueItem(row: GroupQueueRow): GroupQueueItem {
  return {
    ...presentTarget(row),
    channel: {
      id: row.channel_id,
      network: row.channel_network,
      handle: row.channel_handle,
      displayName: row.channel_display_name,
      avatarUrl: row.channel_avatar_url,
      timezone: row.channel_timezone,
      paused: row.channel_paused,
    },
  };
}
