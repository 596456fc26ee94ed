import { z } from 'zod';

/**
 * Mastodon's own settings for a post, beyond text and media: who sees it, a content warning, the
 * language, a poll. They arrive as opaque per-network options on the outgoing post and are checked
 * here, so a bad value becomes an `invalid` outcome with words instead of a 422 from the instance.
 */
export const mastodonPostOptionsSchema = z.strictObject({
  /** public, unlisted (quiet public), private (followers only) or direct (mentioned people only). */
  visibility: z.enum(['public', 'unlisted', 'private', 'direct']).optional(),
  /** Shown instead of the text until the reader opens it (Mastodon's `spoiler_text`). */
  contentWarning: z.string().trim().min(1).max(1000).optional(),
  /** Marks the media as sensitive (hidden behind a click) without a content warning. */
  sensitive: z.boolean().optional(),
  /** ISO 639 code of the text. */
  language: z
    .string()
    .regex(/^[a-z]{2,3}$/, 'must be an ISO 639 language code such as "en"')
    .optional(),
  /** A poll on the first status of the thread (Mastodon allows no media beside a poll). */
  poll: z
    .strictObject({
      options: z.array(z.string().trim().min(1).max(200)).min(2).max(20),
      expiresInSeconds: z.number().int().min(60).max(31_536_000),
      multiple: z.boolean().default(false),
      hideTotals: z.boolean().default(false),
    })
    .optional(),
});

export type MastodonPostOptions = z.infer<typeof mastodonPostOptionsSchema>;

export type ParsedOptions = { ok: true; options: MastodonPostOptions } | { ok: false; reason: string };

export function parseMastodonOptions(raw: unknown): ParsedOptions {
  if (raw === undefined || raw === null) return { ok: true, options: {} };
  const parsed = mastodonPostOptionsSchema.safeParse(raw);
  if (parsed.success) return { ok: true, options: parsed.data };
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'options'} ${i.message}`);
  return { ok: false, reason: `The Mastodon settings of this post are not valid: ${problems.join('; ')}.` };
}

/** The JSON body of POST /api/v1/statuses for one part of a thread. */
export function statusBody(input: {
  text: string;
  options: MastodonPostOptions;
  mediaIds: string[];
  inReplyToId: string | undefined;
  isFirst: boolean;
}): Record<string, unknown> {
  const { options } = input;
  const body: Record<string, unknown> = { status: input.text };
  if (input.inReplyToId) body.in_reply_to_id = input.inReplyToId;
  if (options.visibility) body.visibility = options.visibility;
  if (options.contentWarning) body.spoiler_text = options.contentWarning;
  if (options.language) body.language = options.language;
  if (input.mediaIds.length > 0) {
    body.media_ids = input.mediaIds;
    if (options.sensitive || options.contentWarning) body.sensitive = true;
  }
  if (input.isFirst && options.poll) {
    body.poll = {
      options: options.poll.options,
      expires_in: options.poll.expiresInSeconds,
      multiple: options.poll.multiple,
      hide_totals: options.poll.hideTotals,
    };
  }
  return body;
}
