import { randomInt } from 'node:crypto';
import type { Sql } from '../../db/connection.ts';
import { lockChannel } from './lock-channels.ts';
import { retimeQueue } from './retime-queue.ts';

/**
 * Puts a channel's queued posts in a random order; they then take the slots in that order.
 * Custom-scheduled posts keep their time.
 */
export async function shuffleQueue(
  sql: Sql,
  now: () => Date,
  input: { organizationId: string; channelId: string },
): Promise<{ queue: { targetId: string; dueAt: Date }[] }> {
  return sql.begin(async (tx) => {
    const channel = await lockChannel(tx, input.organizationId, input.channelId);
    const { queue } = await retimeQueue(tx, channel, now(), { reorder: shuffled });
    return { queue };
  });
}

/** Fisher–Yates with a uniform random source. */
function shuffled(ids: readonly string[]): string[] {
  const order = [...ids];
  for (let i = order.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
