import type { TransactionSql } from '../../db/connection.ts';
import { SpoolError } from '../errors.ts';
import type { MediaItem, PostContent, TargetOptions } from './post-content.ts';
import { postNotFound, type TargetStatus } from './target-view.ts';

/** A post's content and its targets with their channels, read under a lock for a change. */
export interface LockedPost {
  id: string;
  content: PostContent;
  targets: PostTarget[];
}

export interface PostTarget {
  id: string;
  channelId: string;
  status: TargetStatus;
  textOverride: string | null;
  mediaOverride: MediaItem[] | null;
  options: TargetOptions;
  channel: { id: string; handle: string; network: string; timezone: string };
}

/** Statuses whose target is in a channel's queue (holds a due time). */
export const DUE_STATUSES: readonly TargetStatus[] = ['queued', 'scheduled'];
/** Statuses a contributor may still change: nothing has been scheduled yet. */
export const UNSCHEDULED_STATUSES: readonly TargetStatus[] = ['draft', 'awaiting_approval'];

export async function lockPost(
  tx: TransactionSql,
  organizationId: string,
  postId: string,
): Promise<LockedPost> {
  const [post] = await tx<
    {
      id: string;
      text: string;
      media: MediaItem[];
      thread: PostContent['thread'];
      tags: string[];
      title: string;
    }[]
  >`
    select id, text, media, thread, tags, title from posts
    where id = ${postId} and organization_id = ${organizationId}
    for update`;
  if (!post) throw postNotFound(postId);
  const targets = await tx<
    {
      id: string;
      channel_id: string;
      status: TargetStatus;
      text_override: string | null;
      media_override: MediaItem[] | null;
      options: TargetOptions;
      handle: string;
      network: string;
      timezone: string;
    }[]
  >`
    select t.id, t.channel_id, t.status, t.text_override, t.media_override, t.options,
           c.handle, c.network, c.timezone
    from post_targets t join channels c on c.id = t.channel_id
    where t.post_id = ${postId}
    order by t.created_at, t.channel_id`;
  return {
    id: post.id,
    content: { text: post.text, media: post.media, thread: post.thread, tags: post.tags, title: post.title },
    targets: targets.map((t) => ({
      id: t.id,
      channelId: t.channel_id,
      status: t.status,
      textOverride: t.text_override,
      mediaOverride: t.media_override,
      options: t.options,
      channel: { id: t.channel_id, handle: t.handle, network: t.network, timezone: t.timezone },
    })),
  };
}

/** The publisher holds this target right now; changing it could publish something else, or twice. */
export function assertNotPublishing(targets: readonly PostTarget[]): void {
  if (targets.some((t) => t.status === 'publishing')) {
    throw new SpoolError(
      'target.publishing',
      'This post is being published right now, so it cannot be changed. Try again in a minute.',
      'conflict',
    );
  }
}

/** Contributors change only what has not been scheduled yet; the rest needs an editor. */
export function assertContributorMayChange(targets: readonly PostTarget[], canPublish: boolean): void {
  if (canPublish) return;
  if (targets.some((t) => !UNSCHEDULED_STATUSES.includes(t.status))) {
    throw new SpoolError(
      'post.approval_required',
      'This post is already scheduled or sent; only an editor, admin or owner can change it.',
      'forbidden',
    );
  }
}
