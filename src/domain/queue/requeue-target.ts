import type { Sql, TransactionSql } from '../../db/connection.ts';
import { SpoolError } from '../errors.ts';
import { getTarget } from '../posts/get-post.ts';
import { effectiveContent } from '../posts/post-content.ts';
import { lockPost } from '../posts/post-targets.ts';
import { type TargetView, targetNotFound } from '../posts/target-view.ts';
import { assertPublishable } from '../posts/validate-content.ts';
import { lockChannel } from './lock-channels.ts';
import { placeTargets } from './place-targets.ts';
import { resolveSchedule, type ScheduleRequest } from './schedule-request.ts';

/**
 * Puts a target that failed, or whose publishing could not be confirmed, back in its channel's
 * queue (by default at the end; any schedule mode may be asked for). For an unconfirmed one the
 * person has checked the network and decided it should go out again.
 */
export async function requeueTarget(
  sql: Sql,
  now: () => Date,
  input: {
    organizationId: string;
    postId?: string | undefined;
    targetId: string;
    schedule?: ScheduleRequest | undefined;
  },
): Promise<TargetView> {
  await sql.begin(async (tx) => {
    const postId = await postOfTarget(tx, input.organizationId, input.targetId, input.postId);
    const post = await lockPost(tx, input.organizationId, postId);
    const target = post.targets.find((t) => t.id === input.targetId)!;
    if (target.status !== 'failed' && target.status !== 'unconfirmed') {
      throw new SpoolError(
        'target.not_failed',
        `Only a post that failed, or whose publishing could not be confirmed, can be requeued; this one is ${target.status.replace('_', ' ')}.`,
        'conflict',
        { status: target.status },
      );
    }
    const channel = await lockChannel(tx, input.organizationId, target.channelId);
    const at = now();
    const schedule = resolveSchedule(input.schedule ?? { mode: 'queue' }, channel, at);
    if (schedule.mode !== 'draft') {
      await assertPublishable(tx, input.organizationId, [
        { channel: target.channel, content: effectiveContent(post.content, target) },
      ]);
    }
    await resetAttempts(tx, target.id);
    await placeTargets(tx, channel, at, [{ targetId: target.id, schedule }]);
  });
  return getTarget(sql, input.organizationId, input.targetId);
}

/** Forgets the failed attempts, so the publisher starts afresh. */
export async function resetAttempts(tx: TransactionSql, targetId: string): Promise<void> {
  await tx`
    update post_targets
    set attempts = 0, attempt_id = null, lease_expires_at = null, next_attempt_at = null,
        last_error_code = null, last_error = null
    where id = ${targetId}`;
}

/** The post a target of the organization belongs to (which must be `expectedPostId` when given). */
export async function postOfTarget(
  tx: TransactionSql,
  organizationId: string,
  targetId: string,
  expectedPostId?: string,
): Promise<string> {
  const [row] = await tx<{ post_id: string }[]>`
    select post_id from post_targets where id = ${targetId} and organization_id = ${organizationId}`;
  if (!row || (expectedPostId !== undefined && row.post_id !== expectedPostId))
    throw targetNotFound(targetId);
  return row.post_id;
}
