import type { TransactionSql } from '../../db/connection.ts';
import { channelNotFound, type ScheduleDays, scheduleOf } from '../channels/channel-view.ts';
import type { PostingSchedule } from '../schedule/schedule.ts';

/** A channel whose row this transaction holds locked: its queue can be re-timed safely. */
export interface LockedChannel {
  id: string;
  organizationId: string;
  network: string;
  handle: string;
  timezone: string;
  schedule: PostingSchedule;
  paused: boolean;
}

/**
 * Locks channels of one organization (`for update`), in id order so two transactions that touch the
 * same channels never deadlock. Every queue mutation of a channel holds this lock, which serializes
 * them: two people adding posts at once can never be given the same slot. A channel that is not in
 * the organization answers `channel.not_found`, as if it did not exist.
 */
export async function lockChannels(
  tx: TransactionSql,
  organizationId: string,
  channelIds: readonly string[],
): Promise<Map<string, LockedChannel>> {
  const ids = [...new Set(channelIds)].sort();
  const rows = await tx<
    {
      id: string;
      organization_id: string;
      network: string;
      handle: string;
      timezone: string;
      schedule: ScheduleDays;
      paused: boolean;
    }[]
  >`
    select id, organization_id, network, handle, timezone, schedule, paused
    from channels
    where organization_id = ${organizationId} and id = any(${ids}::uuid[])
    order by id
    for update`;
  const locked = new Map<string, LockedChannel>();
  for (const row of rows) {
    locked.set(row.id, {
      id: row.id,
      organizationId: row.organization_id,
      network: row.network,
      handle: row.handle,
      timezone: row.timezone,
      schedule: scheduleOf(row),
      paused: row.paused,
    });
  }
  const missing = ids.find((id) => !locked.has(id));
  if (missing) throw channelNotFound(missing);
  return locked;
}

export async function lockChannel(
  tx: TransactionSql,
  organizationId: string,
  channelId: string,
): Promise<LockedChannel> {
  const locked = await lockChannels(tx, organizationId, [channelId]);
  return locked.get(channelId)!;
}
