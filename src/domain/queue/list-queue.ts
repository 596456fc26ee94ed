import type { Sql } from '../../db/connection.ts';
import { channelNotFound } from '../channels/channel-view.ts';
import { type Page, type PageRequest, SORT_KEY_FORMAT, toPage } from '../posts/page.ts';
import { presentTarget, type TargetRow, type TargetView, targetColumns } from '../posts/target-view.ts';

/** A channel's upcoming posts, queued and custom-scheduled, in the order they will go out. */
export async function listQueue(
  sql: Sql,
  input: { organizationId: string; channelId: string } & PageRequest,
): Promise<Page<TargetView>> {
  const { after } = input;
  const rows = await sql<(TargetRow & { sort_key: string })[]>`
    select ${targetColumns(sql)}, to_char(t.due_at at time zone 'UTC', ${SORT_KEY_FORMAT}) as sort_key
    from post_targets t join posts p on p.id = t.post_id
    where t.channel_id = ${input.channelId} and t.organization_id = ${input.organizationId}
      and t.status in ('queued', 'scheduled')
      ${after ? sql`and t.due_at >= ${after.key}::timestamptz and (t.due_at, t.id) > (${after.key}::timestamptz, ${after.id}::uuid)` : sql``}
    order by t.due_at, t.id
    limit ${input.limit + 1}`;
  // An empty page may mean the channel is not the organization's: then it is not found (one query
  // less on every page that has posts).
  if (rows.length === 0) {
    const [channel] = await sql`
      select 1 from channels where id = ${input.channelId} and organization_id = ${input.organizationId}`;
    if (!channel) throw channelNotFound(input.channelId);
  }
  return toPage(rows, input.limit, presentTarget);
}
