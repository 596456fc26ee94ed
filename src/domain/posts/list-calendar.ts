import type { Sql } from '../../db/connection.ts';
import { channelNotFound } from '../channels/channel-view.ts';
import { groupNotFound } from '../channels/profile-group-view.ts';
import { SpoolError } from '../errors.ts';
import { type Page, type PageRequest, SORT_KEY_FORMAT, toPage } from './page.ts';
import {
  presentTarget,
  type TargetRow,
  type TargetStatus,
  type TargetView,
  targetColumns,
} from './target-view.ts';

/** The calendar shows at most this many days at once (a month view with its neighbouring weeks). */
export const CALENDAR_MAX_DAYS = 62;

export interface CalendarQuery extends PageRequest {
  organizationId: string;
  from: Date;
  to: Date;
  channelId?: string | undefined;
  groupId?: string | undefined;
  statuses?: readonly TargetStatus[] | undefined;
  tag?: string | undefined;
}

/** Every target of the organization due in [from, to), in due order, filtered as asked. */
export async function listCalendar(sql: Sql, query: CalendarQuery): Promise<Page<TargetView>> {
  const span = query.to.getTime() - query.from.getTime();
  if (span <= 0) {
    throw new SpoolError('calendar.range_invalid', '"to" must be after "from".', 'invalid');
  }
  if (span > CALENDAR_MAX_DAYS * 86_400_000) {
    throw new SpoolError(
      'calendar.range_too_long',
      `The calendar shows at most ${CALENDAR_MAX_DAYS} days at once; ask for a shorter range.`,
      'invalid',
      { maxDays: CALENDAR_MAX_DAYS },
    );
  }
  await assertFiltersExist(sql, query);
  const { after } = query;
  const rows = await sql<(TargetRow & { sort_key: string })[]>`
    select ${targetColumns(sql)}, to_char(t.due_at at time zone 'UTC', ${SORT_KEY_FORMAT}) as sort_key
    from post_targets t join posts p on p.id = t.post_id
    where t.organization_id = ${query.organizationId}
      and t.due_at >= ${after ? sql`greatest(${query.from}::timestamptz, ${after.key}::timestamptz)` : sql`${query.from}::timestamptz`}
      and t.due_at < ${query.to}::timestamptz
      ${after ? sql`and (t.due_at, t.id) > (${after.key}::timestamptz, ${after.id}::uuid)` : sql``}
      ${query.channelId ? sql`and t.channel_id = ${query.channelId}` : sql``}
      ${query.groupId ? sql`and t.channel_id in (select channel_id from profile_group_channels where group_id = ${query.groupId})` : sql``}
      ${query.statuses?.length ? sql`and t.status = any(${query.statuses as string[]}::text[])` : sql``}
      ${query.tag ? sql`and p.tags @> array[${query.tag}]::text[]` : sql``}
    order by t.due_at, t.id
    limit ${query.limit + 1}`;
  return toPage(rows, query.limit, presentTarget);
}

/** A channel or group of another organization answers 404, like one that does not exist. */
async function assertFiltersExist(sql: Sql, query: CalendarQuery): Promise<void> {
  if (query.channelId) {
    const [found] = await sql`
      select 1 from channels where id = ${query.channelId} and organization_id = ${query.organizationId}`;
    if (!found) throw channelNotFound(query.channelId);
  }
  if (query.groupId) {
    const [found] = await sql`
      select 1 from profile_groups where id = ${query.groupId} and organization_id = ${query.organizationId}`;
    if (!found) throw groupNotFound(query.groupId);
  }
}
