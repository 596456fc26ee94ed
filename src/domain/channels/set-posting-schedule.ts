import type { Sql } from '../../db/connection.ts';
import { lockChannel } from '../queue/lock-channels.ts';
import { retimeQueue } from '../queue/retime-queue.ts';
import { type PostingScheduleInput, parsePostingSchedule } from '../schedule/schedule.ts';
import { type ChannelRow, type ChannelView, channelColumns, presentChannel } from './channel-view.ts';

/**
 * Replaces a channel's weekly posting times (and optionally its zone). Every queued post is re-timed
 * to the new slots in queue order; custom-scheduled posts keep their time.
 */
export async function setPostingSchedule(
  sql: Sql,
  now: () => Date,
  input: { organizationId: string; channelId: string; timezone?: string | undefined; days: unknown },
): Promise<ChannelView> {
  return sql.begin(async (tx) => {
    const channel = await lockChannel(tx, input.organizationId, input.channelId);
    const schedule = parsePostingSchedule({
      timezone: input.timezone ?? channel.timezone,
      days: input.days,
    } as PostingScheduleInput);
    const [row] = await tx<ChannelRow[]>`
      update channels set timezone = ${schedule.timezone}, schedule = ${tx.json(schedule.days)}, updated_at = now()
      where id = ${channel.id}
      returning ${channelColumns(tx)}`;
    await retimeQueue(tx, { ...channel, timezone: schedule.timezone, schedule }, now());
    return presentChannel(row!);
  });
}
