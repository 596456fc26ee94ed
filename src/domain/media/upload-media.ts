import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Sql } from '../../db/connection.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import { SpoolError } from '../errors.ts';
import { insertMedia, type MediaView } from './media-library.ts';
import {
  type DetectedMediaType,
  detectMediaType,
  imageDimensions,
  type MediaKind,
  SNIFF_BYTES,
} from './media-types.ts';

/** A small preview of an image, and the size of the image itself as it is shown. */
export interface Thumbnail {
  bytes: Buffer;
  contentType: string;
  /** The image's width in pixels once turned upright (by its EXIF orientation). */
  imageWidth: number;
  imageHeight: number;
}

/** Makes a small preview of an image (e.g. with sharp); returns undefined when it cannot. */
export interface ThumbnailMaker {
  make(file: string): Promise<Thumbnail | undefined>;
}

export interface UploadLimits {
  maxImageBytes: number;
  maxVideoBytes: number;
}

/** What staging an upload needs: where to write it, and how large each kind may be. */
export interface StagingDeps {
  /** A folder for uploads in progress; on the same disk as a local blob store, so storing is a rename. */
  stagingDir: string;
  limits: UploadLimits;
}

export interface UploadDeps extends StagingDeps {
  sql: Sql;
  blobStore: BlobStore;
  thumbnails?: ThumbnailMaker | undefined;
}

/** Who uploads into which library, and what they said about the file. */
export interface UploadDetails {
  organizationId: string;
  uploadedBy: string;
  /** The name on the uploader's machine: shown in the library, never used as a path. */
  filename?: string | undefined;
  altText?: string | undefined;
}

export type UploadBody = AsyncIterable<Buffer | Uint8Array | string>;

export interface UploadInput extends UploadDetails {
  body: UploadBody;
}

/** An upload that passed the checks and waits in the staging folder to be stored or discarded. */
export interface StagedUpload {
  path: string;
  type: DetectedMediaType;
  size: number;
  sha256: string;
  /** The first bytes, enough to read an image's size from its header. */
  head: Buffer;
}

// JPEG keeps its size after the EXIF block, which may be large; this much is read for dimensions.
const HEAD_BYTES = 256 * 1024;

export function limitFor(kind: MediaKind, limits: UploadLimits): number {
  return kind === 'image' ? limits.maxImageBytes : limits.maxVideoBytes;
}

export function tooLarge(limit: number, kind: MediaKind | undefined): SpoolError {
  const what = kind ?? 'file';
  return new SpoolError(
    'media.too_large',
    `This ${what} is larger than the ${formatBytes(limit)} allowed for ${kind ? `${kind}s` : 'uploads'}.`,
    'too_large',
    { limitBytes: limit, kind: kind ?? null },
  );
}

export function unsupportedType(): SpoolError {
  return new SpoolError(
    'media.unsupported_type',
    'This file is not an image or video Spool can use. Upload a JPEG, PNG, GIF or WebP image, or an MP4, MOV or WebM video.',
    'unsupported_media_type',
  );
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

/** The name to show: the last path segment, without control characters, at most 200 characters. */
export function displayFilename(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  return base.replace(CONTROL_CHARACTERS, '').trim().slice(0, 200);
}

/**
 * Streams an upload to a staging file and stores it: see `stageUpload` and `storeStagedUpload`.
 * Nothing half-done stays behind on failure.
 */
export async function uploadMedia(deps: UploadDeps, input: UploadInput): Promise<MediaView> {
  const staged = await stageUpload(deps, input.body);
  return storeStagedUpload(deps, staged, input);
}

/**
 * Streams an upload to a staging file while checking it: the type from the first bytes, the size
 * against the limit of that kind (stopping as soon as it is passed), a SHA-256 of the content. On
 * failure the staging file is removed; on success the caller must store or discard it.
 */
export async function stageUpload(deps: StagingDeps, body: UploadBody): Promise<StagedUpload> {
  await fs.mkdir(deps.stagingDir, { recursive: true });
  const stagedPath = path.join(deps.stagingDir, `${randomUUID()}.part`);
  const file = await fs.open(stagedPath, 'wx', 0o600);
  try {
    const received = await receive(file, body, deps.limits);
    await file.close();
    return { path: stagedPath, ...received };
  } catch (error) {
    await file.close().catch(() => undefined);
    await fs.rm(stagedPath, { force: true });
    throw error;
  }
}

/** Removes a staged upload that will not be stored (the rest of its request was refused). */
export async function discardStagedUpload(staged: StagedUpload): Promise<void> {
  await fs.rm(staged.path, { force: true });
}

/**
 * Moves a staged upload into the blob store with a thumbnail for images, then writes its row. The
 * staged file is consumed whatever happens; on failure the stored blobs are removed again.
 */
export async function storeStagedUpload(
  deps: UploadDeps,
  staged: StagedUpload,
  details: UploadDetails,
): Promise<MediaView> {
  const id = randomUUID();
  const key = `${details.organizationId}/${id}/original`;
  const thumbnailKey = `${details.organizationId}/${id}/thumbnail`;
  const stored: string[] = [];
  try {
    const isImage = staged.type.kind === 'image';
    const thumbnail = isImage && deps.thumbnails ? await deps.thumbnails.make(staged.path) : undefined;
    // The decoder knows the upright size; the header is the fallback when there is no decoder.
    const dimensions = thumbnail
      ? { width: thumbnail.imageWidth, height: thumbnail.imageHeight }
      : isImage
        ? imageDimensions(staged.head, staged.type.contentType)
        : undefined;
    if (thumbnail) {
      await deps.blobStore.putBytes(thumbnailKey, thumbnail.bytes, { contentType: thumbnail.contentType });
      stored.push(thumbnailKey);
    }
    await deps.blobStore.putFile(key, staged.path, {
      contentType: staged.type.contentType,
      byteSize: staged.size,
    });
    stored.push(key);

    return await insertMedia(deps.sql, {
      id,
      organizationId: details.organizationId,
      uploadedBy: details.uploadedBy,
      kind: staged.type.kind,
      contentType: staged.type.contentType,
      byteSize: staged.size,
      sha256: staged.sha256,
      storageKey: key,
      originalFilename: displayFilename(details.filename),
      width: dimensions?.width ?? null,
      height: dimensions?.height ?? null,
      altText: details.altText ?? '',
      thumbnailKey: thumbnail ? thumbnailKey : null,
      thumbnailContentType: thumbnail?.contentType ?? null,
    });
  } catch (error) {
    for (const k of stored) await deps.blobStore.remove(k).catch(() => undefined);
    throw error;
  } finally {
    await discardStagedUpload(staged);
  }
}

interface Received {
  type: DetectedMediaType;
  size: number;
  sha256: string;
  head: Buffer;
}

async function receive(file: fs.FileHandle, body: UploadBody, limits: UploadLimits): Promise<Received> {
  const hash = createHash('sha256');
  const headChunks: Buffer[] = [];
  let headLength = 0;
  let size = 0;
  let type: DetectedMediaType | undefined;
  const largest = Math.max(limits.maxImageBytes, limits.maxVideoBytes);
  for await (const piece of body) {
    const chunk =
      typeof piece === 'string'
        ? Buffer.from(piece)
        : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    size += chunk.length;
    if (headLength < HEAD_BYTES) {
      headChunks.push(chunk.subarray(0, HEAD_BYTES - headLength));
      headLength += Math.min(chunk.length, HEAD_BYTES - headLength);
    }
    if (!type && headLength >= SNIFF_BYTES) {
      type = detectMediaType(Buffer.concat(headChunks));
      if (!type) throw unsupportedType();
    }
    const limit = type ? limitFor(type.kind, limits) : largest;
    if (size > limit) throw tooLarge(limit, type?.kind);
    hash.update(chunk);
    await file.write(chunk);
  }
  const head = Buffer.concat(headChunks);
  type ??= detectMediaType(head);
  if (size === 0) throw new SpoolError('media.empty', 'The uploaded file is empty.', 'invalid');
  if (!type) throw unsupportedType();
  return { type, size, sha256: hash.digest('hex'), head };
}
