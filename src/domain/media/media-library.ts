import type { Readable } from 'node:stream';
import type { Sql, TransactionSql } from '../../db/connection.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import { SpoolError } from '../errors.ts';
import { type PagePosition, SORT_KEY_FORMAT, toPage } from '../posts/page.ts';
import type { MediaKind } from './media-types.ts';

/** An organization's uploaded images and videos: listing, alt text, serving and deleting. */
export interface MediaView {
  id: string;
  kind: MediaKind;
  contentType: string;
  byteSize: number;
  sha256: string;
  filename: string;
  width: number | null;
  height: number | null;
  altText: string;
  hasThumbnail: boolean;
  uploadedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewMedia {
  id: string;
  organizationId: string;
  uploadedBy: string;
  kind: MediaKind;
  contentType: string;
  byteSize: number;
  sha256: string;
  storageKey: string;
  originalFilename: string;
  width: number | null;
  height: number | null;
  altText: string;
  thumbnailKey: string | null;
  thumbnailContentType: string | null;
}

/** Statuses of a target that will still be published without anyone touching it again. */
export const PENDING_TARGET_STATUSES = ['awaiting_approval', 'queued', 'scheduled', 'publishing'];

export const mediaNotFound = () =>
  new SpoolError('media.not_found', 'There is no such media item in this organization.', 'not_found');

export async function insertMedia(sql: Sql, media: NewMedia): Promise<MediaView> {
  const [row] = await sql<MediaRow[]>`
    insert into media (id, organization_id, uploaded_by, kind, content_type, byte_size, sha256, storage_key,
                       original_filename, width, height, alt_text, thumbnail_key, thumbnail_content_type)
    values (${media.id}, ${media.organizationId}, ${media.uploadedBy}, ${media.kind}, ${media.contentType},
            ${media.byteSize}, ${media.sha256}, ${media.storageKey}, ${media.originalFilename}, ${media.width},
            ${media.height}, ${media.altText}, ${media.thumbnailKey}, ${media.thumbnailContentType})
    returning ${sql(COLUMNS)}`;
  return present(row!);
}

export async function getMedia(sql: Sql, organizationId: string, mediaId: string): Promise<MediaView> {
  const [row] = await sql<MediaRow[]>`
    select ${sql(COLUMNS)} from media where id = ${mediaId} and organization_id = ${organizationId}`;
  if (!row) throw mediaNotFound();
  return present(row);
}

export interface MediaPage {
  media: MediaView[];
  /** Where the next page starts; null on the last page. */
  next: PagePosition | null;
}

/** Newest first, a page at a time (keyset: created_at to the microsecond, then id). */
export async function listMedia(
  sql: Sql,
  organizationId: string,
  options: { limit: number; after?: PagePosition | undefined; kind?: MediaKind | undefined },
): Promise<MediaPage> {
  const { after } = options;
  const rows = await sql<(MediaRow & { sort_key: string })[]>`
    select ${sql(COLUMNS)}, to_char(created_at at time zone 'UTC', ${SORT_KEY_FORMAT}) as sort_key
    from media
    where organization_id = ${organizationId}
      ${options.kind ? sql`and kind = ${options.kind}` : sql``}
      ${after ? sql`and (created_at, id) < (${after.key}::timestamptz, ${after.id}::uuid)` : sql``}
    order by created_at desc, id desc
    limit ${options.limit + 1}`;
  const page = toPage(rows, options.limit, present);
  return { media: page.items, next: page.next };
}

export async function updateMediaAltText(
  sql: Sql,
  organizationId: string,
  mediaId: string,
  altText: string,
): Promise<MediaView> {
  const [row] = await sql<MediaRow[]>`
    update media set alt_text = ${altText}, updated_at = now()
    where id = ${mediaId} and organization_id = ${organizationId}
    returning ${sql(COLUMNS)}`;
  if (!row) throw mediaNotFound();
  return present(row);
}

/**
 * Deletes a media item unless a post that is still to be published uses it (then 409, naming the
 * posts). Ideas that show it lose it. The bytes are removed after the row, so a failure leaves an
 * orphaned file at worst, never a row without its file.
 */
export async function deleteMedia(sql: Sql, blobStore: BlobStore, organizationId: string, mediaId: string) {
  const keys = await sql.begin(async (tx) => {
    const [row] = await tx<{ storage_key: string; thumbnail_key: string | null }[]>`
      select storage_key, thumbnail_key from media
      where id = ${mediaId} and organization_id = ${organizationId}
      for update`;
    if (!row) throw mediaNotFound();
    const reference = tx.json([{ mediaId }]);
    const users = await tx<{ id: string }[]>`
      select distinct p.id from posts p join post_targets t on t.post_id = p.id
      where p.organization_id = ${organizationId}
        and t.status in ${tx(PENDING_TARGET_STATUSES)}
        and (p.media @> ${reference}
             or t.media_override @> ${reference}
             or exists (select 1 from jsonb_array_elements(p.thread) part where part -> 'media' @> ${reference}))
      order by p.id`;
    if (users.length > 0) {
      const postIds = users.map((u) => u.id);
      throw new SpoolError(
        'media.in_use',
        `This media is used by ${postIds.length === 1 ? 'a post' : `${postIds.length} posts`} waiting to be published. Remove it from ${postIds.length === 1 ? 'that post' : 'those posts'} first.`,
        'conflict',
        { postIds },
      );
    }
    await tx`
      update ideas set media = coalesce(
        (select jsonb_agg(item) from jsonb_array_elements(media) item where item ->> 'mediaId' <> ${mediaId}),
        '[]'::jsonb), updated_at = now()
      where organization_id = ${organizationId} and media @> ${reference}`;
    await tx`delete from media where id = ${mediaId}`;
    return [row.storage_key, row.thumbnail_key].filter((k): k is string => k !== null);
  });
  // The row is gone and the media with it; a file that cannot be removed now is only wasted space,
  // so it must not turn a finished delete into an error the user would retry.
  for (const key of keys) await blobStore.remove(key).catch(() => undefined);
}

/** The bytes of a media item or its thumbnail, with what the response needs to describe them. */
export async function openMediaContent(
  sql: Sql,
  blobStore: BlobStore,
  organizationId: string,
  mediaId: string,
  variant: 'original' | 'thumbnail',
): Promise<{ body: Readable; byteSize: number; contentType: string; etag: string; filename: string }> {
  const [row] = await sql<
    {
      storage_key: string;
      thumbnail_key: string | null;
      thumbnail_content_type: string | null;
      content_type: string;
      sha256: string;
      original_filename: string;
    }[]
  >`
    select storage_key, thumbnail_key, thumbnail_content_type, content_type, sha256, original_filename
    from media where id = ${mediaId} and organization_id = ${organizationId}`;
  if (!row) throw mediaNotFound();
  const key = variant === 'original' ? row.storage_key : row.thumbnail_key;
  const contentType = variant === 'original' ? row.content_type : row.thumbnail_content_type;
  if (!key || !contentType) {
    throw new SpoolError(
      'media.no_thumbnail',
      'This media item has no thumbnail: videos have none, nor do images that could not be decoded.',
      'not_found',
    );
  }
  const blob = await blobStore.open(key);
  if (!blob)
    throw new SpoolError(
      'media.missing',
      'The file of this media item is missing from storage.',
      'not_found',
    );
  return {
    ...blob,
    contentType,
    etag: `"${row.sha256.slice(0, 32)}${variant === 'thumbnail' ? '-t' : ''}"`,
    filename: row.original_filename,
  };
}

/**
 * Checks that every referenced media item belongs to the organization, so that ideas and posts can
 * only point at their own library. Inside a transaction the rows stay locked against deletion
 * (`deleteMedia` takes them `for update`) until it commits.
 */
export async function assertMediaReferences(
  sql: Sql | TransactionSql,
  organizationId: string,
  mediaIds: readonly string[],
) {
  const unique = [...new Set(mediaIds)];
  if (unique.length === 0) return;
  const rows = await sql<{ id: string }[]>`
    select id from media where organization_id = ${organizationId} and id in ${sql(unique)} for key share`;
  const found = new Set(rows.map((r) => r.id));
  const missing = unique.filter((id) => !found.has(id));
  if (missing.length > 0) {
    throw new SpoolError(
      'media.not_found',
      `${missing.length === 1 ? 'A media item' : `${missing.length} media items`} referenced here ${missing.length === 1 ? 'is' : 'are'} not in this organization’s library.`,
      'invalid',
      { mediaIds: missing },
    );
  }
}

const COLUMNS = [
  'id',
  'kind',
  'content_type',
  'byte_size',
  'sha256',
  'original_filename',
  'width',
  'height',
  'alt_text',
  'thumbnail_key',
  'uploaded_by',
  'created_at',
  'updated_at',
];

interface MediaRow {
  id: string;
  kind: MediaKind;
  content_type: string;
  byte_size: string;
  sha256: string;
  original_filename: string;
  width: number | null;
  height: number | null;
  alt_text: string;
  thumbnail_key: string | null;
  uploaded_by: string | null;
  created_at: Date;
  updated_at: Date;
}

function present(row: MediaRow): MediaView {
  return {
    id: row.id,
    kind: row.kind,
    contentType: row.content_type,
    byteSize: Number(row.byte_size),
    sha256: row.sha256,
    filename: row.original_filename,
    width: row.width,
    height: row.height,
    altText: row.alt_text,
    hasThumbnail: row.thumbnail_key !== null,
    uploadedBy: row.uploaded_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
