import type { TransactionSql } from '../../db/connection.ts';
import { channelLabel } from '../channels/channel-view.ts';
import { SpoolError } from '../errors.ts';
import { assignQueueSlots } from '../schedule/slots.ts';
import type { LockedChannel } from './lock-channels.ts';

/**
 * Buffer's queue rule, applied after every change to a channel's queue: the queued (slot-based)
 * targets occupy the first free slots after now, in queue order; custom-scheduled targets keep their
 * time and block a slot at exactly that instant. Only rows whose time or status changes are written.
 *
 * Queue order is the current due order. A queued target already due is the publisher's (it may be
 * claiming it right now) and keeps its time, unless the channel is paused: then nothing is being
 * published and every queued target takes part, so the queue still reads as "next, then next".
 */
export interface QueueChange {
  /** Targets that join the queue (from any status): at its head ("share next") or its end. */
  enter?: readonly { targetId: string; position: 'top' | 'end' }[];
  /** Targets pinned to a custom time (status `scheduled`): a custom date-time, or now for "share now". */
  pin?: readonly { targetId: string; dueAt: Date }[];
  /** A new order for the queued targets; must return a permutation of the ids it receives. */
  reorder?: (queue: readonly string[]) => string[];
  /** Re-time queued targets that are already due as well (resuming a paused queue). */
  includeDue?: boolean;
  /** The caller already changed due targets (deleted one, moved one out): notify the publisher. */
  dueTargetsChanged?: boolean;
}

export interface RetimedQueue {
  /** The slot-based targets in their new order, with their times. */
  queue: { targetId: string; dueAt: Date }[];
  /** How many rows were written. */
  written: number;
}

export async function retimeQueue(
  tx: TransactionSql,
  channel: LockedChannel,
  now: Date,
  change: QueueChange = {},
): Promise<RetimedQueue> {
  const nowMs = now.getTime();
  const rows = await tx<{ id: string; status: 'queued' | 'scheduled'; due_at: Date }[]>`
    select id, status, due_at from post_targets
    where channel_id = ${channel.id} and status in ('queued', 'scheduled')
    order by due_at, id`;

  const entering = change.enter ?? [];
  const pinned = change.pin ?? [];
  const moving = new Set([...entering.map((e) => e.targetId), ...pinned.map((p) => p.targetId)]);
  const includeDue = channel.paused || change.includeDue === true;

  const occupied = new Set<number>();
  const previousDue = new Map<string, number>();
  let queued: string[] = [];
  for (const row of rows) {
    if (moving.has(row.id)) continue;
    const due = row.due_at.getTime();
    if (row.status === 'scheduled') {
      if (due > nowMs) occupied.add(due);
    } else if (includeDue || due > nowMs) {
      queued.push(row.id);
      previousDue.set(row.id, due);
    }
  }
  for (const pin of pinned) occupied.add(pin.dueAt.getTime());

  if (change.reorder) queued = change.reorder(queued);
  const order = [
    ...entering.filter((e) => e.position === 'top').map((e) => e.targetId),
    ...queued,
    ...entering.filter((e) => e.position === 'end').map((e) => e.targetId),
  ];
  const slots = assignQueueSlots(channel.schedule, now, order.length, occupied);
  if (slots.length < order.length) throw noSlots(channel, order.length);

  const ids: string[] = [];
  const dues: string[] = [];
  const statuses: string[] = [];
  const queue = order.map((targetId, index) => {
    const dueAt = slots[index]!;
    if (previousDue.get(targetId) !== dueAt.getTime()) {
      ids.push(targetId);
      dues.push(dueAt.toISOString());
      statuses.push('queued');
    }
    return { targetId, dueAt };
  });
  for (const pin of pinned) {
    ids.push(pin.targetId);
    dues.push(pin.dueAt.toISOString());
    statuses.push('scheduled');
  }

  if (ids.length > 0) {
    await tx`
      update post_targets t
      set status = u.status, due_at = u.due_at, requested_schedule = null, updated_at = now()
      from unnest(${arrayLiteral(ids)}::uuid[], ${arrayLiteral(dues)}::timestamptz[], ${arrayLiteral(statuses)}::text[])
        as u(id, due_at, status)
      where t.id = u.id and t.channel_id = ${channel.id}`;
  }
  if (ids.length > 0 || change.dueTargetsChanged) await notifyDueChanged(tx, channel.id);
  return { queue, written: ids.length };
}

/**
 * A PostgreSQL array literal of values that need no quoting (uuids, ISO instants, status words).
 * Re-timing a long queue sends 10,000s of values; the driver's generic escaping of each one costs
 * more than the rest of the work in this process.
 */
function arrayLiteral(values: readonly string[]): string {
  return `{${values.join(',')}}`;
}

/** Wakes the publisher (it listens on `spool_due`) to re-arm its timer; delivered on commit. */
export async function notifyDueChanged(tx: TransactionSql, channelId: string): Promise<void> {
  await tx`select pg_notify('spool_due', ${channelId})`;
}

function noSlots(channel: LockedChannel, count: number): SpoolError {
  const posts = count === 1 ? '1 queued post' : `${count} queued posts`;
  return new SpoolError(
    'queue.no_slots',
    `${channelLabel(channel)} has no posting times in its schedule, so its ${posts} cannot be given a slot. ` +
      'Add posting times to the schedule, or give the posts a custom time.',
    'conflict',
    { channelId: channel.id },
  );
}
