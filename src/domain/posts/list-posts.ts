import type { Sql } from '../../db/connection.ts';
import { channelNotFound } from '../channels/channel-view.ts';
import { type Page, type PageRequest, SORT_KEY_FORMAT, toPage } from './page.ts';
import {
  presentTarget,
  type TargetRow,
  type TargetStatus,
  type TargetView,
  targetColumns,
} from './target-view.ts';

/**
 * The posts tabs (drafts, awaiting approval, sent, failed ...): the organization's targets in the
 * given statuses, most recently changed first, optionally for one channel.
 */
export async function listPosts(
  sql: Sql,
  input: {
    organizationId: string;
    statuses: readonly TargetStatus[];
    channelId?: string | undefined;
  } & PageRequest,
): Promise<Page<TargetView>> {
  if (input.channelId) {
    const [channel] = await sql`
      select 1 from channels where id = ${input.channelId} and organization_id = ${input.organizationId}`;
    if (!channel) throw channelNotFound(input.channelId);
  }
  const after = input.after;
  const rows = await sql<(TargetRow & { sort_key: string })[]>`
    select ${targetColumns(sql)}, to_char(t.updated_at at time zone 'UTC', ${SORT_KEY_FORMAT}) as sort_key
    from post_targets t join posts p on p.id = t.post_id
    where t.organization_id = ${input.organizationId}
      and t.status = any(${input.statuses as string[]}::text[])
      ${input.channelId ? sql`and t.channel_id = ${input.channelId}` : sql``}
      ${after ? sql`and t.updated_at <= ${after.key}::timestamptz and (t.updated_at, t.id) < (${after.key}::timestamptz, ${after.id}::uuid)` : sql``}
    order by t.updated_at desc, t.id desc
    limit ${input.limit + 1}`;
  return toPage(rows, input.limit, presentTarget);
}
