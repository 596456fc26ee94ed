import type { TransactionSql } from '../../db/connection.ts';
import type { LockedChannel } from './lock-channels.ts';
import { retimeQueue } from './retime-queue.ts';
import { type ResolvedSchedule, storeScheduleRequest } from './schedule-request.ts';

export interface Placement {
  targetId: string;
  schedule: ResolvedSchedule;
}

/**
 * Puts targets of one locked channel where their schedule says, from whatever status they are in:
 * add to queue (end), share next (head), share now (due now), a custom time, or back to drafts.
 * With `awaitingApproval` (a contributor's post), nothing is queued: the targets wait for an editor
 * and keep what was asked for. The channel's queue is then re-timed once for all of them.
 */
export async function placeTargets(
  tx: TransactionSql,
  channel: LockedChannel,
  now: Date,
  placements: readonly Placement[],
  options: { awaitingApproval?: boolean } = {},
): Promise<void> {
  const enter: { targetId: string; position: 'top' | 'end' }[] = [];
  const pin: { targetId: string; dueAt: Date }[] = [];
  let leftQueue = false;
  for (const { targetId, schedule } of placements) {
    if (schedule.mode === 'draft' || options.awaitingApproval) {
      const status = schedule.mode === 'draft' ? 'draft' : 'awaiting_approval';
      const requested = status === 'draft' ? null : storeScheduleRequest(schedule);
      const [row] = await tx<{ previous_status: string }[]>`
        update post_targets t
        set status = ${status}, due_at = null, requested_schedule = ${requested ? tx.json({ ...requested }) : null},
            updated_at = now()
        from post_targets old
        where old.id = t.id and t.id = ${targetId} and t.channel_id = ${channel.id}
        returning old.status as previous_status`;
      if (row && (row.previous_status === 'queued' || row.previous_status === 'scheduled')) leftQueue = true;
      continue;
    }
    if (schedule.mode === 'queue') enter.push({ targetId, position: 'end' });
    else if (schedule.mode === 'next') enter.push({ targetId, position: 'top' });
    else if (schedule.mode === 'now') pin.push({ targetId, dueAt: now });
    else if (schedule.mode === 'custom') pin.push({ targetId, dueAt: schedule.dueAt });
  }
  if (enter.length === 0 && pin.length === 0 && !leftQueue) return;
  await retimeQueue(tx, channel, now, { enter, pin, dueTargetsChanged: leftQueue });
}
