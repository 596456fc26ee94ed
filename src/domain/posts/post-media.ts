import type { TransactionSql } from '../../db/connection.ts';
import { SpoolError } from '../errors.ts';
import type { MediaAttachment } from '../text/validate-post.ts';
import type { MediaItem, MediaRef, PostContent, PostContentInput } from './post-content.ts';

export interface MediaFacts extends MediaAttachment {
  altText: string;
}

/**
 * What the library knows of the media a post uses: type and size (as detected on upload, not as a
 * client claims) and alt text. Only the organization's own files count; the rows are held against
 * deletion until the transaction ends (`for key share`, as the media library expects).
 */
export async function loadMediaFacts(
  tx: TransactionSql,
  organizationId: string,
  mediaIds: Iterable<string>,
): Promise<Map<string, MediaFacts>> {
  const ids = [...new Set(mediaIds)];
  const facts = new Map<string, MediaFacts>();
  if (ids.length === 0) return facts;
  const rows = await tx<{ id: string; content_type: string; byte_size: string; alt_text: string }[]>`
    select id, content_type, byte_size, alt_text from media
    where organization_id = ${organizationId} and id = any(${ids}::uuid[])
    for key share`;
  for (const row of rows) {
    facts.set(row.id, { mimeType: row.content_type, bytes: Number(row.byte_size), altText: row.alt_text });
  }
  const missing = ids.filter((id) => !facts.has(id));
  if (missing.length > 0) {
    throw new SpoolError(
      'media.not_found',
      `${missing.length === 1 ? 'A media item' : `${missing.length} media items`} of this post ${missing.length === 1 ? 'is' : 'are'} not in this organization’s media library; upload ${missing.length === 1 ? 'it' : 'them'} first.`,
      'invalid',
      { mediaIds: missing },
    );
  }
  return facts;
}

/** Media as stored on a post: each item with its alt text (the library's unless one was given). */
export function completeMedia(
  refs: readonly MediaRef[],
  facts: ReadonlyMap<string, MediaFacts>,
): MediaItem[] {
  return refs.map((ref) => ({
    mediaId: ref.mediaId,
    altText: ref.altText ?? facts.get(ref.mediaId)?.altText ?? '',
  }));
}

/** Every media id a post's content and per-channel changes refer to. */
export function mediaIdsOf(
  content: Partial<Pick<PostContentInput, 'media' | 'thread'>>,
  overrides: readonly { media?: readonly MediaRef[] | null | undefined }[] = [],
): string[] {
  return [
    ...(content.media ?? []),
    ...(content.thread ?? []).flatMap((part) => part.media),
    ...overrides.flatMap((o) => o.media ?? []),
  ].map((m) => m.mediaId);
}

export function completePostContent(
  content: PostContentInput,
  facts: ReadonlyMap<string, MediaFacts>,
): PostContent {
  return {
    ...content,
    media: completeMedia(content.media, facts),
    thread: content.thread.map((part) => ({ text: part.text, media: completeMedia(part.media, facts) })),
  };
}
