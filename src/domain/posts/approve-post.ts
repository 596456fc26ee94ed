import type { Sql } from '../../db/connection.ts';
import { SpoolError } from '../errors.ts';
import { lockChannels } from '../queue/lock-channels.ts';
import { placeTargets } from '../queue/place-targets.ts';
import {
  resolveSchedule,
  restoreScheduleRequest,
  type ScheduleRequest,
  type StoredScheduleRequest,
} from '../queue/schedule-request.ts';
import { getPost, type PostView } from './get-post.ts';
import { effectiveContent } from './post-content.ts';
import { lockPost } from './post-targets.ts';
import { assertPublishable } from './validate-content.ts';

/**
 * An editor approves a contributor's post: each waiting target is scheduled as the contributor
 * asked (queue, next, now or their custom time), or as the editor says instead.
 */
export async function approvePost(
  sql: Sql,
  now: () => Date,
  input: {
    organizationId: string;
    postId: string;
    approverUserId: string;
    schedule?: ScheduleRequest | undefined;
  },
): Promise<PostView> {
  await sql.begin(async (tx) => {
    const post = await lockPost(tx, input.organizationId, input.postId);
    const waiting = post.targets.filter((t) => t.status === 'awaiting_approval');
    if (waiting.length === 0) throw notAwaiting();
    const requested = await tx<{ id: string; requested_schedule: StoredScheduleRequest | null }[]>`
      select id, requested_schedule from post_targets where id = any(${waiting.map((t) => t.id)}::uuid[])`;
    const requestOf = new Map(requested.map((r) => [r.id, r.requested_schedule]));
    const channels = await lockChannels(
      tx,
      input.organizationId,
      waiting.map((t) => t.channelId),
    );
    const at = now();
    const plans = waiting.map((target) => {
      const channel = channels.get(target.channelId)!;
      const request = input.schedule ?? restoreScheduleRequest(requestOf.get(target.id) ?? null);
      return { target, channel, schedule: resolveSchedule(request, channel, at) };
    });
    await assertPublishable(
      tx,
      input.organizationId,
      plans
        .filter((p) => p.schedule.mode !== 'draft')
        .map((p) => ({ channel: p.target.channel, content: effectiveContent(post.content, p.target) })),
    );
    for (const { target, channel, schedule } of plans) {
      await placeTargets(tx, channel, at, [{ targetId: target.id, schedule }]);
    }
    await tx`
      update posts
      set approved_by = ${input.approverUserId}, approved_at = now(), rejection_reason = null,
          rejected_by = null, rejected_at = null, updated_at = now()
      where id = ${post.id}`;
  });
  return getPost(sql, input.organizationId, input.postId);
}

/** An editor sends a contributor's post back to drafts, saying why. */
export async function rejectPost(
  sql: Sql,
  input: { organizationId: string; postId: string; reviewerUserId: string; reason: string },
): Promise<PostView> {
  await sql.begin(async (tx) => {
    const post = await lockPost(tx, input.organizationId, input.postId);
    const waiting = post.targets.filter((t) => t.status === 'awaiting_approval');
    if (waiting.length === 0) throw notAwaiting();
    await tx`
      update post_targets set status = 'draft', requested_schedule = null, updated_at = now()
      where id = any(${waiting.map((t) => t.id)}::uuid[])`;
    await tx`
      update posts
      set rejection_reason = ${input.reason}, rejected_by = ${input.reviewerUserId}, rejected_at = now(),
          updated_at = now()
      where id = ${post.id}`;
  });
  return getPost(sql, input.organizationId, input.postId);
}

function notAwaiting(): SpoolError {
  return new SpoolError(
    'post.not_awaiting_approval',
    'This post is not waiting for approval (it may already have been approved or sent back).',
    'conflict',
  );
}
