import type { Sql, TransactionSql } from '../../db/connection.ts';
import { channelLabel } from '../channels/channel-view.ts';
import { SpoolError } from '../errors.ts';
import { getTarget } from '../posts/get-post.ts';
import { type TargetView, targetNotFound } from '../posts/target-view.ts';
import { type LockedChannel, lockChannel } from './lock-channels.ts';
import { retimeQueue } from './retime-queue.ts';

export interface ReorderInput {
  organizationId: string;
  channelId: string;
  targetId: string;
  /** The new position among the channel's queued posts, 0 being the next to go out. */
  index: number;
}

/**
 * Drags a queued post to another position of its channel's queue; the queued posts then take the
 * slots in the new order (the time goes with the position, not with the post).
 */
export async function reorderQueue(sql: Sql, now: () => Date, input: ReorderInput): Promise<TargetView> {
  await sql.begin(async (tx) => {
    const channel = await lockChannel(tx, input.organizationId, input.channelId);
    await assertQueued(tx, channel, input.targetId);
    await retimeQueue(tx, channel, now(), {
      reorder: (queue) => {
        const from = queue.indexOf(input.targetId);
        if (from < 0) throw notInQueue('is due right now and is being published');
        if (input.index >= queue.length) {
          throw new SpoolError(
            'queue.index_out_of_range',
            `The queue of ${channelLabel(channel)} has ${queue.length} queued ${queue.length === 1 ? 'post' : 'posts'}; give a position from 0 to ${queue.length - 1}.`,
            'invalid',
            { queueLength: queue.length },
          );
        }
        const order = queue.filter((id) => id !== input.targetId);
        order.splice(input.index, 0, input.targetId);
        return order;
      },
    });
  });
  return getTarget(sql, input.organizationId, input.targetId);
}

/** Moves a queued post to the head of its queue: it takes the next slot, the others move down one. */
export function moveToTop(
  sql: Sql,
  now: () => Date,
  input: Omit<ReorderInput, 'index'>,
): Promise<TargetView> {
  return reorderQueue(sql, now, { ...input, index: 0 });
}

async function assertQueued(tx: TransactionSql, channel: LockedChannel, targetId: string): Promise<void> {
  const [row] = await tx<{ status: string }[]>`
    select status from post_targets
    where id = ${targetId} and channel_id = ${channel.id} and organization_id = ${channel.organizationId}`;
  if (!row) throw targetNotFound(targetId);
  if (row.status === 'scheduled') {
    throw notInQueue(
      'has a custom time, which it keeps; add it to the queue first to give it a place in the queue',
    );
  }
  if (row.status !== 'queued') throw notInQueue(`is ${row.status.replace('_', ' ')}`);
}

function notInQueue(why: string): SpoolError {
  return new SpoolError(
    'queue.not_in_queue',
    `Only posts waiting in the queue can be moved; this one ${why}.`,
    'conflict',
  );
}
