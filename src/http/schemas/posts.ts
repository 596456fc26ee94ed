import { z } from 'zod';
import { TARGET_STATUSES, type TargetStatus } from '../../domain/posts/target-view.ts';
import type { ScheduleRequest } from '../../domain/queue/schedule-request.ts';
import { mastodonPostOptionsSchema } from '../../networks/mastodon/mastodon-options.ts';
import { existsAsWritten, FIRST_YEAR, instantSchema, LAST_YEAR } from './instant.ts';

/** A file of the organization's media library; the alt text defaults to the library's. */
export const mediaItemSchema = z.object({
  mediaId: z.uuid().toLowerCase(),
  altText: z.string().max(1500).optional(),
});

const mediaListSchema = z.array(mediaItemSchema).max(50);
const textSchema = z.string().max(100_000);

export const threadPartSchema = z.object({
  text: textSchema.default(''),
  media: mediaListSchema.default([]),
});

const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

const localTimeSchema = z.string().refine((value) => parseLocalTime(value) !== undefined, {
  message:
    "must be a date and wall-clock time without offset, such as 2026-11-02T09:00 (read in each channel's time zone)",
});

/**
 * When to publish: `queue` (add to queue), `next` (share next), `now` (share now), `draft`, or
 * `custom` with `at` (an instant with offset) or `localTime` (read in each channel's own zone).
 */
export const scheduleSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('queue') }),
  z.object({ mode: z.literal('next') }),
  z.object({ mode: z.literal('now') }),
  z.object({ mode: z.literal('draft') }),
  z
    .object({
      mode: z.literal('custom'),
      at: instantSchema.optional(),
      localTime: localTimeSchema.optional(),
    })
    .refine((value) => (value.at === undefined) !== (value.localTime === undefined), {
      message: 'a custom schedule needs exactly one of "at" (with an offset) or "localTime"',
    }),
]);

export type ScheduleBody = z.output<typeof scheduleSchema>;

export function toScheduleRequest(body: ScheduleBody): ScheduleRequest {
  if (body.mode !== 'custom') return { mode: body.mode };
  if (body.at !== undefined) return { mode: 'custom', at: new Date(body.at) };
  return { mode: 'custom', localTime: parseLocalTime(body.localTime ?? '')! };
}

function parseLocalTime(value: string) {
  const match = LOCAL_TIME.exec(value);
  if (!match) return undefined;
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  // Reject dates that do not exist (31 April) rather than rolling them over.
  if (year < FIRST_YEAR || year > LAST_YEAR || !existsAsWritten(year, month, day, hour, minute, 0))
    return undefined;
  return { year, month, day, hour, minute };
}

export const channelOverrideSchema = z.object({
  channelId: z.uuid().toLowerCase(),
  text: textSchema.optional(),
  media: mediaListSchema.optional(),
  title: z.string().max(500).optional(),
  boardId: z.string().trim().min(1).max(200).optional(),
  /** Mastodon's own settings for this channel: visibility, content warning, language, poll. */
  mastodon: mastodonPostOptionsSchema.optional(),
});

export const postContentFields = {
  text: textSchema.default(''),
  media: mediaListSchema.default([]),
  thread: z.array(threadPartSchema).max(50).default([]),
  tags: z.array(z.string().trim().min(1).max(50)).max(30).default([]),
  title: z.string().max(500).default(''),
};

export const createPostBody = z.object({
  ...postContentFields,
  channelIds: z.array(z.uuid().toLowerCase()).max(500).default([]),
  groupIds: z.array(z.uuid().toLowerCase()).max(100).default([]),
  overrides: z.array(channelOverrideSchema).max(500).default([]),
  schedule: scheduleSchema.default({ mode: 'queue' }),
});

export const editPostBody = z.object({
  text: textSchema.optional(),
  media: mediaListSchema.optional(),
  thread: z.array(threadPartSchema).max(50).optional(),
  tags: z.array(z.string().trim().min(1).max(50)).max(30).optional(),
  title: z.string().max(500).optional(),
});

export const editTargetBody = z.object({
  text: textSchema.nullable().optional(),
  media: mediaListSchema.nullable().optional(),
  title: z.string().max(500).nullable().optional(),
  boardId: z.string().trim().min(1).max(200).nullable().optional(),
  schedule: scheduleSchema.optional(),
});

/** The posts tabs (`drafts`, `pending`, `sent`, `failed` ...) and single statuses, as `?status=`. */
export const POST_TABS = {
  drafts: ['draft'],
  draft: ['draft'],
  awaiting_approval: ['awaiting_approval'],
  pending: ['queued', 'scheduled'],
  queued: ['queued'],
  scheduled: ['scheduled'],
  publishing: ['publishing'],
  sent: ['published'],
  published: ['published'],
  failed: ['failed', 'unconfirmed'],
  unconfirmed: ['unconfirmed'],
} as const satisfies Record<string, readonly TargetStatus[]>;

export type PostTab = keyof typeof POST_TABS;

export const postTabSchema = z.enum(Object.keys(POST_TABS) as [PostTab, ...PostTab[]]);

export const targetStatusSchema = z.enum(TARGET_STATUSES);
