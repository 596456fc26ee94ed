import type { Sql, TransactionSql } from '../../db/connection.ts';
import type { MediaItem, ThreadPart } from './post-content.ts';
import {
  postNotFound,
  presentTarget,
  type TargetRow,
  type TargetView,
  targetColumns,
  targetNotFound,
} from './target-view.ts';

export interface PostView {
  id: string;
  text: string;
  media: MediaItem[];
  thread: ThreadPart[];
  tags: string[];
  title: string;
  authorUserId: string | null;
  approvedBy: string | null;
  approvedAt: Date | null;
  rejectionReason: string | null;
  rejectedAt: Date | null;
  copiedFromTargetId: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** One per channel. */
  targets: TargetView[];
}

interface PostRow {
  id: string;
  text: string;
  media: MediaItem[];
  thread: ThreadPart[];
  tags: string[];
  title: string;
  author_user_id: string | null;
  approved_by: string | null;
  approved_at: Date | null;
  rejection_reason: string | null;
  rejected_at: Date | null;
  copied_from_target_id: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A post of the organization with its targets, in channel order; `post.not_found` otherwise. */
export async function getPost(
  sql: Sql | TransactionSql,
  organizationId: string,
  postId: string,
): Promise<PostView> {
  const [post] = await sql<PostRow[]>`
    select id, text, media, thread, tags, title, author_user_id, approved_by, approved_at, rejection_reason,
           rejected_at, copied_from_target_id, created_at, updated_at
    from posts where id = ${postId} and organization_id = ${organizationId}`;
  if (!post) throw postNotFound(postId);
  const targets = await sql<TargetRow[]>`
    select ${targetColumns(sql)}
    from post_targets t join posts p on p.id = t.post_id
    where t.post_id = ${postId} and t.organization_id = ${organizationId}
    order by t.created_at, t.channel_id`;
  return {
    id: post.id,
    text: post.text,
    media: post.media,
    thread: post.thread,
    tags: post.tags,
    title: post.title,
    authorUserId: post.author_user_id,
    approvedBy: post.approved_by,
    approvedAt: post.approved_at,
    rejectionReason: post.rejection_reason,
    rejectedAt: post.rejected_at,
    copiedFromTargetId: post.copied_from_target_id,
    createdAt: post.created_at,
    updatedAt: post.updated_at,
    targets: targets.map(presentTarget),
  };
}

/** One target of the organization with its post's content; `target.not_found` otherwise. */
export async function getTarget(
  sql: Sql | TransactionSql,
  organizationId: string,
  targetId: string,
): Promise<TargetView> {
  const [row] = await sql<TargetRow[]>`
    select ${targetColumns(sql)}
    from post_targets t join posts p on p.id = t.post_id
    where t.id = ${targetId} and t.organization_id = ${organizationId}`;
  if (!row) throw targetNotFound(targetId);
  return presentTarget(row);
}
