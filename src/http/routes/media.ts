import path from 'node:path';
import type { Readable } from 'node:stream';
import multipart, { type Multipart, type MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../config/config.ts';
import type { Sql } from '../../db/connection.ts';
import { SpoolError } from '../../domain/errors.ts';
import {
  deleteMedia,
  getMedia,
  listMedia,
  type MediaView,
  openMediaContent,
  updateMediaAltText,
} from '../../domain/media/media-library.ts';
import {
  discardStagedUpload,
  type StagedUpload,
  stageUpload,
  storeStagedUpload,
  type ThumbnailMaker,
  tooLarge,
  type UploadBody,
  type UploadDeps,
  type UploadDetails,
  uploadMedia,
} from '../../domain/media/upload-media.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import { SharpThumbnailMaker } from '../../storage/sharp-thumbnail-maker.ts';
import type { App } from '../app.ts';
import { actorOf, orgOf } from '../plugins/auth.ts';
import { decodeCursor, encodeCursor, pageQuery } from '../schemas/pagination.ts';

export interface MediaRouteDeps {
  sql: Sql;
  config: Config;
  blobStore: BlobStore;
  /** Thumbnails and upright sizes of images; sharp unless given. */
  thumbnails?: ThumbnailMaker | undefined;
}

const orgParams = z.object({ orgId: z.uuid().toLowerCase() });
const mediaParams = z.object({ orgId: z.uuid().toLowerCase(), mediaId: z.uuid().toLowerCase() });

// A form's boundaries, part headers and alt text on top of the file: a declared length within this
// margin of the largest limit is left to the per-kind check, which answers more precisely.
const FORM_OVERHEAD_BYTES = 64 * 1024;
const ALT_TEXT_MAX = 2000;

const altText = z
  .string()
  .max(ALT_TEXT_MAX)
  .refine((text) => !text.includes('\u0000'), 'must not contain the NUL character (\\u0000)');

/** The text fields an upload form may carry besides its `file`. */
const uploadFormFields = z.strictObject({ altText: altText.optional() });

function present(orgId: string, media: MediaView) {
  const base = `/api/orgs/${orgId}/media/${media.id}`;
  return { ...media, url: `${base}/content`, thumbnailUrl: media.hasThumbnail ? `${base}/thumbnail` : null };
}

/** The media library: upload (type by content, size by kind), list, alt text, serve, delete. */
export function registerMediaRoutes(app: App, deps: MediaRouteDeps): void {
  const { sql, config, blobStore } = deps;
  const limits = { maxImageBytes: config.media.maxImageBytes, maxVideoBytes: config.media.maxVideoBytes };
  const largest = Math.max(limits.maxImageBytes, limits.maxVideoBytes);
  const uploadDeps: UploadDeps = {
    sql,
    blobStore,
    stagingDir: path.join(config.dataDir, 'tmp', 'uploads'),
    limits,
    thumbnails: deps.thumbnails ?? new SharpThumbnailMaker(),
  };

  // The upload route in a scope of its own, so that multipart parsing exists for it alone.
  app.register(async (plugin) => {
    const scope = plugin.withTypeProvider<ZodTypeProvider>();
    await scope.register(multipart, {
      // One byte over the largest limit: the per-kind check in stageUpload always answers first.
      limits: {
        fileSize: largest + 1,
        files: 1,
        fields: 4,
        parts: 5,
        fieldNameSize: 100,
        fieldSize: 16 * 1024,
        headerPairs: 20,
      },
    });
    // The raw way: the file is the request body itself (any declared type: the content decides),
    // streamed to disk under the per-kind limit rather than buffered.
    scope.addContentTypeParser(
      /^\s*(?:application\/octet-stream|image\/|video\/)/i,
      (_request, payload, done) => done(null, payload),
    );
    scope.addHook('onError', async (request, reply) => {
      // Refused part-way through the body: close the connection rather than read the rest.
      if (!request.raw.complete) reply.header('connection', 'close');
    });

    scope.post(
      '/api/orgs/:orgId/media',
      {
        config: { access: 'org', permission: 'posts.draft' },
        schema: {
          tags: ['media'],
          summary: 'Upload an image or video',
          description:
            'Either a `multipart/form-data` form with the file in the `file` field and an optional ' +
            '`altText` field, or the file itself as the request body (`?filename=` and `?altText=` ' +
            'in the query). The type is decided from the content, never from the name or declared type.',
          params: orgParams,
          querystring: z.object({
            filename: z.string().max(500).optional(),
            altText: altText.optional(),
          }),
        },
      },
      async (request, reply) => {
        const { organizationId } = orgOf(request);
        const details: UploadDetails = {
          organizationId,
          uploadedBy: actorOf(request).userId,
          filename: request.query.filename,
          altText: request.query.altText,
        };
        const isForm = request.isMultipart();
        const declared = Number(request.headers['content-length']);
        const acceptable = isForm ? largest + FORM_OVERHEAD_BYTES : largest;
        if (Number.isFinite(declared) && declared > acceptable) throw tooLarge(largest, undefined);

        let media: MediaView;
        if (isForm) {
          media = await uploadForm(request, uploadDeps, details, largest);
        } else {
          const body = request.body as Readable | undefined;
          if (!body || typeof body[Symbol.asyncIterator] !== 'function') throw fileMissing();
          media = await uploadMedia(uploadDeps, { ...details, body });
        }
        reply.status(201);
        return present(organizationId, media);
      },
    );
  });

  app.get(
    '/api/orgs/:orgId/media',
    {
      config: { access: 'org' },
      schema: {
        tags: ['media'],
        summary: 'List the media library, newest first',
        params: orgParams,
        querystring: z.object({ ...pageQuery(50), kind: z.enum(['image', 'video']).optional() }),
      },
    },
    async (request) => {
      const { organizationId } = orgOf(request);
      const { limit, kind } = request.query;
      const page = await listMedia(sql, organizationId, {
        limit,
        kind,
        after: decodeCursor(request.query.cursor),
      });
      return {
        media: page.media.map((m) => present(organizationId, m)),
        nextCursor: page.next ? encodeCursor(page.next) : null,
      };
    },
  );

  app.get(
    '/api/orgs/:orgId/media/:mediaId',
    {
      config: { access: 'org' },
      schema: { tags: ['media'], summary: 'A media item', params: mediaParams },
    },
    async (request) => {
      const { organizationId } = orgOf(request);
      return present(organizationId, await getMedia(sql, organizationId, request.params.mediaId));
    },
  );

  app.patch(
    '/api/orgs/:orgId/media/:mediaId',
    {
      config: { access: 'org', permission: 'posts.draft' },
      schema: {
        tags: ['media'],
        summary: 'Edit the alt text of a media item',
        params: mediaParams,
        body: z.object({ altText: z.string().max(2000) }),
      },
    },
    async (request) => {
      const { organizationId } = orgOf(request);
      const media = await updateMediaAltText(
        sql,
        organizationId,
        request.params.mediaId,
        request.body.altText,
      );
      return present(organizationId, media);
    },
  );

  app.delete(
    '/api/orgs/:orgId/media/:mediaId',
    {
      config: { access: 'org', permission: 'posts.draft' },
      schema: {
        tags: ['media'],
        summary: 'Delete a media item (refused while a post waiting to be published uses it)',
        params: mediaParams,
      },
    },
    async (request, reply) => {
      await deleteMedia(sql, blobStore, orgOf(request).organizationId, request.params.mediaId);
      return reply.status(204).send();
    },
  );

  for (const variant of ['content', 'thumbnail'] as const) {
    app.get(
      `/api/orgs/:orgId/media/:mediaId/${variant}`,
      {
        config: { access: 'org' },
        schema: {
          tags: ['media'],
          summary: variant === 'content' ? 'The bytes of a media item' : 'The thumbnail of an image',
          params: mediaParams,
        },
      },
      async (request, reply) => {
        const { organizationId } = orgOf(request);
        const content = await openMediaContent(
          sql,
          blobStore,
          organizationId,
          request.params.mediaId,
          variant === 'content' ? 'original' : 'thumbnail',
        );
        // Content under one id never changes, so browsers may keep it; "private" keeps shared caches out.
        reply
          .header('content-type', content.contentType)
          .header('x-content-type-options', 'nosniff')
          .header('cache-control', 'private, max-age=31536000, immutable')
          .header('etag', content.etag)
          .header('content-security-policy', "default-src 'none'; sandbox")
          .header('content-disposition', contentDisposition(content.filename));
        if (request.headers['if-none-match'] === content.etag) {
          content.body.destroy();
          return reply.status(304).send();
        }
        reply.header('content-length', String(content.byteSize));
        return reply.send(content.body);
      },
    );
  }
}

function contentDisposition(filename: string): string {
  if (!filename) return 'inline';
  const fallback = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `inline; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

function fileMissing(detail?: string): SpoolError {
  return new SpoolError(
    'media.file_missing',
    `No file was sent${detail ? ` (${detail})` : ''}. Send it in the form field named "file", or as the request body.`,
    'invalid',
  );
}

/**
 * Reads an upload form part by part: the file is streamed to the staging folder as it arrives (so a
 * large video is never held in memory), the text fields are collected, then the file is stored with
 * them. Fields may come before or after the file, as browsers send them in the order they were added.
 */
async function uploadForm(
  request: FastifyRequest,
  deps: UploadDeps,
  details: UploadDetails,
  largest: number,
): Promise<MediaView> {
  let staged: StagedUpload | undefined;
  let filename = details.filename;
  const fields: Record<string, unknown> = {};
  try {
    const parts = request.parts();
    for (let part = await nextPart(parts, largest); part; part = await nextPart(parts, largest)) {
      if (part.type === 'field') {
        if (part.valueTruncated) throw invalidForm([{ path: part.fieldname, message: 'is too long' }]);
        // A repeated field becomes a list, which the schema then refuses.
        const earlier = fields[part.fieldname];
        fields[part.fieldname] = earlier === undefined ? part.value : [earlier, part.value].flat();
      } else if (part.fieldname === 'file') {
        staged = await stageUpload(deps, filePartBody(part, largest));
        filename = part.filename || filename;
      } else {
        part.file.resume();
        throw fileMissing(`this form has a file in a field named "${part.fieldname}"`);
      }
    }
    if (!staged) throw fileMissing();
    const parsed = uploadFormFields.safeParse(fields);
    if (!parsed.success) throw invalidForm(formIssues(parsed.error));
    return await storeStagedUpload(deps, staged, {
      ...details,
      filename,
      altText: parsed.data.altText ?? details.altText,
    });
  } catch (error) {
    // storeStagedUpload consumes the staged file itself; discarding it again is harmless.
    if (staged) await discardStagedUpload(staged);
    throw error;
  }
}

/** The next part of the form, with the parser's failures (limits, malformed bytes) told as form errors. */
async function nextPart(parts: AsyncIterator<Multipart>, largest: number): Promise<Multipart | undefined> {
  try {
    const next = await parts.next();
    return next.done ? undefined : next.value;
  } catch (error) {
    throw formError(error, largest);
  }
}

/** The bytes of the form's file part, with the parser's own failures told as form errors. */
async function* filePartBody(part: MultipartFile, largest: number): UploadBody {
  try {
    for await (const chunk of part.file) yield chunk as Buffer;
  } catch (error) {
    throw formError(error, largest);
  }
  // The parser's cut-off sits one byte above the largest limit, so stageUpload refuses first; this
  // only guards against the two drifting apart.
  if (part.file.truncated) throw tooLarge(largest, undefined);
}

/** What went wrong reading the form (its limits, or bytes that are not a well-formed form). */
function formError(error: unknown, largest: number): SpoolError {
  if (error instanceof SpoolError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'FST_FILES_LIMIT':
      return new SpoolError(
        'media.too_many_files',
        'Send one file per upload; upload the others one by one.',
        'invalid',
      );
    case 'FST_REQ_FILE_TOO_LARGE':
      return tooLarge(largest, undefined);
    case 'FST_FIELDS_LIMIT':
    case 'FST_PARTS_LIMIT':
      return new SpoolError(
        'media.invalid_form',
        'This form has more fields than an upload takes: send only "file" and, optionally, "altText".',
        'invalid',
      );
    default: {
      const reason = error instanceof Error ? error.message.slice(0, 200) : 'unknown reason';
      return new SpoolError(
        'media.invalid_form',
        `The upload form could not be read (${reason}). Send multipart/form-data with the file in the "file" field.`,
        'invalid',
      );
    }
  }
}

interface FormIssue {
  path: string;
  message: string;
}

function formIssues(error: z.ZodError): FormIssue[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: key, message: 'is not a field an upload takes' }))
      : [{ path: issue.path.map(String).join('.'), message: issue.message }],
  );
}

function invalidForm(issues: FormIssue[]): SpoolError {
  const named = issues.map((issue) => ({ path: `body.${issue.path}`, message: issue.message }));
  const summary = named.map((i) => `${i.path}: ${i.message}`).join('; ');
  return new SpoolError('request.invalid', `The upload form is not valid: ${summary}`, 'invalid', {
    issues: named,
  });
}
