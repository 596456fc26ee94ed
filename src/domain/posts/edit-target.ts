import type { Sql } from '../../db/connection.ts';
import { SpoolError } from '../errors.ts';
import { lockChannel } from '../queue/lock-channels.ts';
import { placeTargets } from '../queue/place-targets.ts';
import { resetAttempts } from '../queue/requeue-target.ts';
import { resolveSchedule, type ScheduleRequest } from '../queue/schedule-request.ts';
import { getTarget } from './get-post.ts';
import { effectiveContent, type MediaItem, type MediaRef, type TargetOptions } from './post-content.ts';
import { completeMedia, loadMediaFacts, mediaIdsOf } from './post-media.ts';
import {
  assertContributorMayChange,
  assertNotPublishing,
  lockPost,
  type PostTarget,
} from './post-targets.ts';
import { asJson } from './sql-json.ts';
import { type TargetView, targetNotFound } from './target-view.ts';
import { assertPublishable } from './validate-content.ts';

export interface EditTargetInput {
  organizationId: string;
  postId: string;
  targetId: string;
  canPublish: boolean;
  /** `null` clears a channel's own value (back to the post's); absent keeps it. */
  changes: {
    text?: string | null | undefined;
    media?: MediaRef[] | null | undefined;
    title?: string | null | undefined;
    boardId?: string | null | undefined;
  };
  /** Move the target: to the queue, the head of the queue, now, a custom time, or drafts. */
  schedule?: ScheduleRequest | undefined;
}

/** Changes one channel's copy of a post (its own text, media, title, board) and/or when it goes out. */
export async function editTarget(sql: Sql, now: () => Date, input: EditTargetInput): Promise<TargetView> {
  await sql.begin(async (tx) => {
    const post = await lockPost(tx, input.organizationId, input.postId);
    const target = post.targets.find((t) => t.id === input.targetId);
    if (!target) throw targetNotFound(input.targetId);
    assertNotPublishing([target]);
    if (target.status === 'published') {
      throw new SpoolError(
        'target.already_published',
        'This post has already been published on this channel and cannot be changed. Re-buffer it to post it again.',
        'conflict',
      );
    }
    assertContributorMayChange([target], input.canPublish);
    const channel = await lockChannel(tx, input.organizationId, target.channelId);
    const at = now();
    const schedule = input.schedule ? resolveSchedule(input.schedule, channel, at) : undefined;

    const facts = await loadMediaFacts(tx, input.organizationId, mediaIdsOf({}, [input.changes]));
    const edited = applyChanges(target, {
      ...input.changes,
      media: input.changes.media ? completeMedia(input.changes.media, facts) : input.changes.media,
    });
    const willWaitOrGo = schedule
      ? schedule.mode !== 'draft'
      : ['awaiting_approval', 'queued', 'scheduled'].includes(target.status);
    if (willWaitOrGo) {
      await assertPublishable(tx, input.organizationId, [
        { channel: target.channel, content: effectiveContent(post.content, edited) },
      ]);
    }
    await tx`
      update post_targets
      set text_override = ${edited.textOverride},
          media_override = ${edited.mediaOverride ? tx.json(asJson(edited.mediaOverride)) : null},
          options = ${tx.json(asJson(edited.options))}, updated_at = now()
      where id = ${target.id}`;
    if (schedule) {
      if (target.status === 'failed' || target.status === 'unconfirmed') await resetAttempts(tx, target.id);
      await placeTargets(tx, channel, at, [{ targetId: target.id, schedule }], {
        awaitingApproval: !input.canPublish,
      });
    }
  });
  return getTarget(sql, input.organizationId, input.targetId);
}

function applyChanges(
  target: PostTarget,
  changes: Omit<EditTargetInput['changes'], 'media'> & { media?: MediaItem[] | null | undefined },
): PostTarget {
  const options: TargetOptions = { ...target.options };
  if (changes.title !== undefined) {
    if (changes.title === null) delete options.title;
    else options.title = changes.title;
  }
  if (changes.boardId !== undefined) {
    if (changes.boardId === null) delete options.boardId;
    else options.boardId = changes.boardId;
  }
  return {
    ...target,
    textOverride: changes.text === undefined ? target.textOverride : changes.text,
    mediaOverride: changes.media === undefined ? target.mediaOverride : changes.media,
    options,
  };
}
