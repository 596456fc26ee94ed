import type { Sql } from '../../db/connection.ts';
import { SpoolError } from '../errors.ts';
import { getPost, type PostView } from './get-post.ts';
import { effectiveContent, type PostContent, type PostContentInput } from './post-content.ts';
import { completeMedia, loadMediaFacts, mediaIdsOf } from './post-media.ts';
import { assertContributorMayChange, assertNotPublishing, DUE_STATUSES, lockPost } from './post-targets.ts';
import { asJson } from './sql-json.ts';
import { assertPublishable } from './validate-content.ts';

export interface EditPostInput {
  organizationId: string;
  postId: string;
  canPublish: boolean;
  changes: Partial<PostContentInput>;
}

/**
 * Changes what a post says for all its channels. Channels where it already went out keep what they
 * published, so a post sent anywhere is frozen (change a channel's own text, or re-buffer it). The
 * new content is checked against every channel it is scheduled or waiting on.
 */
export async function editPost(sql: Sql, input: EditPostInput): Promise<PostView> {
  await sql.begin(async (tx) => {
    const post = await lockPost(tx, input.organizationId, input.postId);
    assertNotPublishing(post.targets);
    assertContributorMayChange(post.targets, input.canPublish);
    if (post.targets.some((t) => t.status === 'published' || t.status === 'unconfirmed')) {
      throw new SpoolError(
        'post.already_published',
        'This post has already gone out on at least one channel, so its text is kept as published. ' +
          "Change a waiting channel's own text instead, or re-buffer the post as a new one.",
        'conflict',
      );
    }
    const { media, thread, ...rest } = definedOnly(input.changes);
    const facts = await loadMediaFacts(tx, input.organizationId, mediaIdsOf({ media, thread }));
    const content: PostContent = {
      ...post.content,
      ...rest,
      ...(media ? { media: completeMedia(media, facts) } : {}),
      ...(thread
        ? { thread: thread.map((part) => ({ text: part.text, media: completeMedia(part.media, facts) })) }
        : {}),
    };
    await assertPublishable(
      tx,
      input.organizationId,
      post.targets
        .filter((t) => DUE_STATUSES.includes(t.status) || t.status === 'awaiting_approval')
        .map((t) => ({ channel: t.channel, content: effectiveContent(content, t) })),
    );
    await tx`
      update posts
      set text = ${content.text}, media = ${tx.json(asJson(content.media))}, thread = ${tx.json(asJson(content.thread))},
          tags = ${content.tags}, title = ${content.title}, updated_at = now()
      where id = ${post.id}`;
  });
  return getPost(sql, input.organizationId, input.postId);
}

function definedOnly(changes: Partial<PostContentInput>): Partial<PostContentInput> {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
}
