import type { Sql } from '../../db/connection.ts';
import { SpoolError } from '../errors.ts';
import { lockChannels } from '../queue/lock-channels.ts';
import { placeTargets } from '../queue/place-targets.ts';
import { resolveSchedule, type ScheduleRequest } from '../queue/schedule-request.ts';
import { getPost, type PostView } from './get-post.ts';
import { effectiveContent } from './post-content.ts';
import { lockPost } from './post-targets.ts';
import { assertPublishable } from './validate-content.ts';

/**
 * Schedules a draft on all its channels that are still drafts. A contributor's post goes to
 * approval instead (and a post sent back to them is resubmitted this way).
 */
export async function schedulePost(
  sql: Sql,
  now: () => Date,
  input: { organizationId: string; postId: string; canPublish: boolean; schedule: ScheduleRequest },
): Promise<PostView> {
  await sql.begin(async (tx) => {
    const post = await lockPost(tx, input.organizationId, input.postId);
    const drafts = post.targets.filter((t) => t.status === 'draft');
    if (drafts.length === 0) {
      throw new SpoolError(
        'post.not_draft',
        'This post has no channel left in drafts; change a channel’s schedule to move it instead.',
        'conflict',
      );
    }
    const channels = await lockChannels(
      tx,
      input.organizationId,
      drafts.map((t) => t.channelId),
    );
    const at = now();
    const plans = drafts.map((target) => {
      const channel = channels.get(target.channelId)!;
      return { target, channel, schedule: resolveSchedule(input.schedule, channel, at) };
    });
    if (input.schedule.mode === 'draft') return;
    await assertPublishable(
      tx,
      input.organizationId,
      plans.map((p) => ({ channel: p.target.channel, content: effectiveContent(post.content, p.target) })),
    );
    for (const { target, channel, schedule } of plans) {
      await placeTargets(tx, channel, at, [{ targetId: target.id, schedule }], {
        awaitingApproval: !input.canPublish,
      });
    }
    await tx`
      update posts set rejection_reason = null, rejected_by = null, rejected_at = null, updated_at = now()
      where id = ${post.id}`;
  });
  return getPost(sql, input.organizationId, input.postId);
}
