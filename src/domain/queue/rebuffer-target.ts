import type { Sql } from '../../db/connection.ts';
import { SpoolError } from '../errors.ts';
import { createPost } from '../posts/create-post.ts';
import type { PostView } from '../posts/get-post.ts';
import { effectiveContent } from '../posts/post-content.ts';
import { lockPost } from '../posts/post-targets.ts';
import { postOfTarget } from './requeue-target.ts';
import type { ScheduleRequest } from './schedule-request.ts';

/**
 * "Re-buffer": posts a published target again, as a new post for the same channel with exactly what
 * was published there, added to the queue (or scheduled as asked). The original stays as sent.
 */
export async function rebufferTarget(
  sql: Sql,
  now: () => Date,
  input: {
    organizationId: string;
    postId?: string | undefined;
    targetId: string;
    authorUserId: string;
    schedule?: ScheduleRequest | undefined;
  },
): Promise<PostView> {
  const source = await sql.begin(async (tx) => {
    const postId = await postOfTarget(tx, input.organizationId, input.targetId, input.postId);
    const post = await lockPost(tx, input.organizationId, postId);
    const target = post.targets.find((t) => t.id === input.targetId)!;
    if (target.status !== 'published') {
      throw new SpoolError(
        'target.not_published',
        `Only a published post can be re-buffered; this one is ${target.status.replace('_', ' ')}. Requeue or edit it instead.`,
        'conflict',
        { status: target.status },
      );
    }
    return { post, target };
  });
  const content = effectiveContent(source.post.content, source.target);
  return createPost(sql, now, {
    organizationId: input.organizationId,
    authorUserId: input.authorUserId,
    canPublish: true,
    content: {
      text: content.text,
      media: content.media,
      thread: content.thread,
      tags: source.post.content.tags,
      title: content.title,
    },
    channelIds: [source.target.channelId],
    groupIds: [],
    overrides: content.boardId ? [{ channelId: source.target.channelId, boardId: content.boardId }] : [],
    schedule: input.schedule ?? { mode: 'queue' },
    copiedFromTargetId: source.target.id,
  });
}
