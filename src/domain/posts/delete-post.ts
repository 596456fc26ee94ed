import type { Sql, TransactionSql } from '../../db/connection.ts';
import { lockChannels } from '../queue/lock-channels.ts';
import { retimeQueue } from '../queue/retime-queue.ts';
import {
  assertContributorMayChange,
  assertNotPublishing,
  DUE_STATUSES,
  lockPost,
  type PostTarget,
} from './post-targets.ts';
import { targetNotFound } from './target-view.ts';

interface DeleteInput {
  organizationId: string;
  postId: string;
  canPublish: boolean;
}

/** Deletes a post on every channel; each queue closes the gap (later posts move up a slot). */
export async function deletePost(sql: Sql, now: () => Date, input: DeleteInput): Promise<void> {
  await sql.begin(async (tx) => {
    const post = await lockPost(tx, input.organizationId, input.postId);
    assertNotPublishing(post.targets);
    assertContributorMayChange(post.targets, input.canPublish);
    await tx`delete from posts where id = ${post.id}`;
    await closeGaps(tx, input.organizationId, post.targets, now);
  });
}

/**
 * Removes one channel from a post (its queue closes the gap). The post goes when its last channel
 * does, since a post for no channel would never be seen again.
 */
export async function deleteTarget(
  sql: Sql,
  now: () => Date,
  input: DeleteInput & { targetId: string },
): Promise<void> {
  await sql.begin(async (tx) => {
    const post = await lockPost(tx, input.organizationId, input.postId);
    const target = post.targets.find((t) => t.id === input.targetId);
    if (!target) throw targetNotFound(input.targetId);
    assertNotPublishing([target]);
    assertContributorMayChange([target], input.canPublish);
    if (post.targets.length === 1) await tx`delete from posts where id = ${post.id}`;
    else await tx`delete from post_targets where id = ${target.id}`;
    await closeGaps(tx, input.organizationId, [target], now);
  });
}

async function closeGaps(
  tx: TransactionSql,
  organizationId: string,
  removed: readonly PostTarget[],
  now: () => Date,
): Promise<void> {
  const channelIds = removed.filter((t) => DUE_STATUSES.includes(t.status)).map((t) => t.channelId);
  if (channelIds.length === 0) return;
  const channels = await lockChannels(tx, organizationId, channelIds);
  const at = now();
  for (const channel of channels.values()) {
    await retimeQueue(tx, channel, at, { dueTargetsChanged: true });
  }
}
