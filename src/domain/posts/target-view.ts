import type { Sql, TransactionSql } from '../../db/connection.ts';
import { SpoolError } from '../errors.ts';
import type { StoredScheduleRequest } from '../queue/schedule-request.ts';
import { effectiveContent, type MediaItem, type TargetOptions } from './post-content.ts';

export const TARGET_STATUSES = [
  'draft',
  'awaiting_approval',
  'queued',
  'scheduled',
  'publishing',
  'published',
  'failed',
  'unconfirmed',
] as const;
export type TargetStatus = (typeof TARGET_STATUSES)[number];

/** One channel's copy of a post, as the API shows it: what it will publish, when and how it went. */
export interface TargetView {
  id: string;
  postId: string;
  channelId: string;
  status: TargetStatus;
  /** For due targets: `queue` when the queue gave the slot, `custom` when a person chose the time. */
  slot: 'queue' | 'custom' | null;
  dueAt: string | null;
  text: string;
  media: MediaItem[];
  title: string;
  boardId: string | null;
  threadParts: number;
  tags: string[];
  textOverride: string | null;
  mediaOverride: MediaItem[] | null;
  /** What a contributor asked for, while the target waits for approval. */
  requestedSchedule: StoredScheduleRequest | null;
  rejectionReason: string | null;
  publishedAt: string | null;
  networkPostId: string | null;
  networkPostUrl: string | null;
  lastError: { code: string | null; message: string } | null;
  createdAt: string;
  updatedAt: string;
}

export interface TargetRow {
  id: string;
  post_id: string;
  channel_id: string;
  status: TargetStatus;
  due_at: Date | null;
  text_override: string | null;
  media_override: MediaItem[] | null;
  options: TargetOptions;
  requested_schedule: StoredScheduleRequest | null;
  published_at: Date | null;
  network_post_id: string | null;
  network_post_url: string | null;
  last_error_code: string | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
  text: string;
  media: MediaItem[];
  /** Listings need only how many replies a thread has, not the replies. */
  thread_parts: number;
  tags: string[];
  title: string;
  rejection_reason: string | null;
  /** Microseconds since the epoch of the listing's sort key, for exact cursors. */
  sort_us?: string;
}

/** Columns of `post_targets t join posts p`, as `TargetRow`. */
export function targetColumns(sql: Sql | TransactionSql) {
  return sql`t.id, t.post_id, t.channel_id, t.status, t.due_at, t.text_override, t.media_override, t.options,
    t.requested_schedule, t.published_at, t.network_post_id, t.network_post_url, t.last_error_code,
    t.last_error, t.created_at, t.updated_at, p.text, p.media, jsonb_array_length(p.thread) as thread_parts, p.tags,
    p.title, p.rejection_reason`;
}

export function presentTarget(row: TargetRow): TargetView {
  const content = effectiveContent(
    { ...row, thread: [] },
    {
      textOverride: row.text_override,
      mediaOverride: row.media_override,
      options: row.options,
    },
  );
  return {
    id: row.id,
    postId: row.post_id,
    channelId: row.channel_id,
    status: row.status,
    slot: row.status === 'queued' ? 'queue' : row.status === 'scheduled' ? 'custom' : null,
    dueAt: row.due_at && isoTime(row.due_at),
    text: content.text,
    media: content.media,
    title: content.title,
    boardId: content.boardId ?? null,
    threadParts: row.thread_parts,
    tags: row.tags,
    textOverride: row.text_override,
    mediaOverride: row.media_override,
    requestedSchedule: row.requested_schedule,
    rejectionReason: row.status === 'draft' ? row.rejection_reason : null,
    publishedAt: row.published_at && isoTime(row.published_at),
    networkPostId: row.network_post_id,
    networkPostUrl: row.network_post_url,
    lastError: row.last_error ? { code: row.last_error_code, message: row.last_error } : null,
    createdAt: isoTime(row.created_at),
    updatedAt: isoTime(row.updated_at),
  };
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/**
 * `date.toISOString()`, about three times faster. Listings present four instants per post and a
 * calendar page has a hundred posts: serializing `Date`s was a large share of a listing's cost.
 */
export function isoTime(date: Date): string {
  const year = date.getUTCFullYear();
  if (year < 1000 || year > 9999) return date.toISOString(); // signed and six-digit years
  return `${year}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())}T${pad2(date.getUTCHours())}:${pad2(
    date.getUTCMinutes(),
  )}:${pad2(date.getUTCSeconds())}.${pad3(date.getUTCMilliseconds())}Z`;
}

export function postNotFound(postId?: string): SpoolError {
  return new SpoolError(
    'post.not_found',
    'There is no such post in this organization.',
    'not_found',
    postId ? { postId } : undefined,
  );
}

export function targetNotFound(targetId?: string): SpoolError {
  return new SpoolError(
    'target.not_found',
    'This post is not scheduled for that channel (no such target in this organization).',
    'not_found',
    targetId ? { targetId } : undefined,
  );
}
