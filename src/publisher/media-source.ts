import type { Sql } from '../db/connection.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { OutgoingMedia } from '../ports/social-network.ts';
import type { MediaSource } from './run-attempt.ts';

interface MediaRow {
  storage_key: string;
  content_type: string;
  byte_size: string;
  width: number | null;
  height: number | null;
  alt_text: string;
}

/**
 * The publisher's media: a post's media item as the adapters see it, read from the media library
 * (the row, scoped to the post's organization) and the blob store. The bytes are read only when an
 * adapter asks, and never more than the size the library recorded.
 */
export function createMediaSource(sql: Sql, blobStore: BlobStore): MediaSource {
  return async (organizationId, mediaId, altText): Promise<OutgoingMedia> => {
    const [row] = await sql<MediaRow[]>`
      select storage_key, content_type, byte_size, width, height, alt_text
      from media where id = ${mediaId} and organization_id = ${organizationId}`;
    if (!row) throw new Error(`media item ${mediaId} is no longer in the library`);
    const bytes = Number(row.byte_size);
    return {
      mediaId,
      mimeType: row.content_type,
      bytes,
      // The post's own alt text wins; the library's text is the default.
      altText: altText || row.alt_text,
      ...(row.width && row.height ? { width: row.width, height: row.height } : {}),
      read: () => readBlob(blobStore, row.storage_key, bytes),
    };
  };
}

async function readBlob(blobStore: BlobStore, key: string, expectedBytes: number): Promise<Buffer> {
  const blob = await blobStore.open(key);
  if (!blob) throw new Error('the file of this media item is missing from storage');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of blob.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > expectedBytes) {
      blob.body.destroy();
      throw new Error('the stored file is larger than the library recorded');
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
