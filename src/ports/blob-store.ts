import type { Readable } from 'node:stream';

/**
 * Where uploaded media bytes live: a folder on local disk by default, any S3-compatible store by
 * config. Keys are chosen by Spool (`<organizationId>/<mediaId>/original`), never by a user; stores
 * still refuse keys that could escape their root.
 */
export interface BlobStore {
  /** Stores the file at `stagedPath` under `key`. The staged file is consumed (moved or removed). */
  putFile(key: string, stagedPath: string, info: { contentType: string; byteSize: number }): Promise<void>;
  putBytes(key: string, bytes: Buffer, info: { contentType: string }): Promise<void>;
  /** The stored bytes as a stream, or undefined when there is nothing under `key`. */
  open(key: string): Promise<{ body: Readable; byteSize: number } | undefined>;
  /** Removes `key`; removing what is not there is not an error. */
  remove(key: string): Promise<void>;
}

/** Keys are lower-case ids and names joined by slashes: nothing that a path could be made of. */
export const BLOB_KEY = /^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9.-]*)*$/;

export function assertBlobKey(key: string): void {
  if (!BLOB_KEY.test(key) || key.includes('..')) throw new Error(`invalid blob key ${JSON.stringify(key)}`);
}
