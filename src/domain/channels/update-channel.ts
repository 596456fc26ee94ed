import type { Sql } from '../../db/connection.ts';
import { lockChannel } from '../queue/lock-channels.ts';
import { retimeQueue } from '../queue/retime-queue.ts';
import { type PostingScheduleInput, parsePostingSchedule } from '../schedule/schedule.ts';
import { type ChannelRow, type ChannelView, channelColumns, presentChannel } from './channel-view.ts';
import type { Sealer } from './create-channel.ts';

export interface ChannelChanges {
  handle?: string | undefined;
  displayName?: string | undefined;
  avatarUrl?: string | null | undefined;
  serviceUrl?: string | null | undefined;
  /** A new IANA zone: the weekly times stay the same wall-clock times, in the new zone. */
  timezone?: string | undefined;
  /** New network tokens (sealed); `null` forgets them. */
  credentials?: Record<string, unknown> | null | undefined;
}

/**
 * Changes a channel's settings. A new time zone moves every slot, so the queue is re-timed in the
 * same transaction (custom-scheduled posts keep their instant).
 */
export async function updateChannel(
  sql: Sql,
  sealer: Sealer,
  now: () => Date,
  input: { organizationId: string; channelId: string; changes: ChannelChanges },
): Promise<ChannelView> {
  return sql.begin(async (tx) => {
    const channel = await lockChannel(tx, input.organizationId, input.channelId);
    const { changes } = input;
    const schedule =
      changes.timezone === undefined
        ? channel.schedule
        : parsePostingSchedule({
            timezone: changes.timezone,
            days: channel.schedule.days,
          } as PostingScheduleInput);
    const sealed =
      changes.credentials === undefined
        ? undefined
        : changes.credentials === null
          ? null
          : sealer.seal(JSON.stringify(changes.credentials), `channel:${channel.id}`);
    const [row] = await tx<ChannelRow[]>`
      update channels set
        handle = coalesce(${changes.handle ?? null}, handle),
        display_name = coalesce(${changes.displayName ?? null}, display_name),
        avatar_url = ${changes.avatarUrl === undefined ? tx`avatar_url` : changes.avatarUrl},
        service_url = ${changes.serviceUrl === undefined ? tx`service_url` : changes.serviceUrl},
        timezone = ${schedule.timezone},
        credentials_sealed = ${sealed === undefined ? tx`credentials_sealed` : sealed},
        updated_at = now()
      where id = ${channel.id}
      returning ${channelColumns(tx)}`;
    if (schedule.timezone !== channel.timezone) {
      await retimeQueue(tx, { ...channel, timezone: schedule.timezone, schedule }, now());
    }
    return presentChannel(row!);
  });
}
