import type { TransactionSql } from '../../db/connection.ts';
import { channelLabel } from '../channels/channel-view.ts';
import { SpoolError } from '../errors.ts';
import { assignQueueSlots, nextSlots } from '../schedule/slots.ts';
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
  /** The slot-based targets placed, in order, with their times: all of them, or only the new ones appended. */
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
  if (appendsOnly(channel, change)) {
    const appended = await appendToQueue(
      tx,
      channel,
      now,
      change.enter!.map((e) => e.targetId),
    );
    if (appended) return appended;
  }
  return retimeWholeQueue(tx, channel, now, change);
}

function appendsOnly(channel: LockedChannel, change: QueueChange): boolean {
  return (
    !channel.paused &&
    !change.includeDue &&
    !change.dueTargetsChanged &&
    !change.reorder &&
    (change.pin?.length ?? 0) === 0 &&
    (change.enter?.length ?? 0) > 0 &&
    change.enter!.every((e) => e.position === 'end')
  );
}

/**
 * Adding to the end of a queue, without reading all of it. Between two changes the queue keeps its
 * shape as time passes: the queued targets not yet due still hold the first free slots after now
 * (the slots that went by were theirs, and custom times move only through changes, which re-time).
 * So the new targets take the first free slots after the last queued one, exactly what re-timing
 * the whole queue would give them, and nothing else moves. This holds because only changes made
 * here take a waiting post out of a queue (the publisher only takes due ones) and those re-time the
 * whole queue. A paused queue, whose due posts wait in the past, and targets already in the queue
 * take the full path (`undefined` here).
 */
async function appendToQueue(
  tx: TransactionSql,
  channel: LockedChannel,
  now: Date,
  targetIds: readonly string[],
): Promise<RetimedQueue | undefined> {
  const [state] = await tx<{ last_due: Date | null; scheduled: Date[]; already_in_queue: boolean }[]>`
    select
      (select due_at from post_targets
        where channel_id = ${channel.id} and status = 'queued' and due_at > ${now}
        order by due_at desc, id desc limit 1) as last_due,
      array(select due_at from post_targets
        where channel_id = ${channel.id} and status = 'scheduled' and due_at > ${now}) as scheduled,
      exists(select 1 from post_targets
        where id = any(${arrayLiteral(targetIds)}::uuid[]) and status in ('queued', 'scheduled')) as already_in_queue`;
  if (!state || state.already_in_queue) return undefined;
  const after = state.last_due ?? now;
  const taken = new Set(state.scheduled.map((due) => due.getTime()));
  const slots = nextSlots(channel.schedule, after, targetIds.length, (slot) => taken.has(slot.getTime()));
  if (slots.length < targetIds.length) throw noSlots(channel, targetIds.length);
  const queue = targetIds.map((targetId, index) => ({ targetId, dueAt: slots[index]! }));
  await writeTimes(
    tx,
    channel.id,
    queue.map((q) => ({ ...q, status: 'queued' as const })),
  );
  return { queue, written: queue.length };
}

async function retimeWholeQueue(
  tx: TransactionSql,
  channel: LockedChannel,
  now: Date,
  change: QueueChange,
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

  const changed: TimeChange[] = [];
  const queue = order.map((targetId, index) => {
    const dueAt = slots[index]!;
    if (previousDue.get(targetId) !== dueAt.getTime()) changed.push({ targetId, dueAt, status: 'queued' });
    return { targetId, dueAt };
  });
  for (const pin of pinned) changed.push({ ...pin, status: 'scheduled' });

  await writeTimes(tx, channel.id, changed);
  if (changed.length === 0 && change.dueTargetsChanged) await notifyDueChanged(tx, channel.id);
  return { queue, written: changed.length };
}

interface TimeChange {
  targetId: string;
  dueAt: Date;
  status: 'queued' | 'scheduled';
}

/** Writes new times (and statuses) in one statement, and wakes the publisher. */
async function writeTimes(
  tx: TransactionSql,
  channelId: string,
  changes: readonly TimeChange[],
): Promise<void> {
  if (changes.length === 0) return;
  const ids = arrayLiteral(changes.map((c) => c.targetId));
  const dues = arrayLiteral(changes.map((c) => c.dueAt.toISOString()));
  const statuses = arrayLiteral(changes.map((c) => c.status));
  await tx`
    update post_targets t
    set status = u.status, due_at = u.due_at, requested_schedule = null, updated_at = now()
    from unnest(${ids}::uuid[], ${dues}::timestamptz[], ${statuses}::text[]) as u(id, due_at, status)
    where t.id = u.id and t.channel_id = ${channelId}`;
  await notifyDueChanged(tx, channelId);
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
