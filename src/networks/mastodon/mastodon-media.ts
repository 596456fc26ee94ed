import { randomBytes } from 'node:crypto';
import { type Dispatcher, request } from 'undici';
import type { OutgoingMedia, PublishOutcome } from '../../ports/social-network.ts';
import { isFailure, type NetworkResponse, networkAgent, sendRequest } from '../http-client.ts';
import {
  bearer,
  classifyResponse,
  errorText,
  hostOf,
  isSuccess,
  type MastodonMediaAttachment,
} from './mastodon-api.ts';

/**
 * Media for Mastodon: POST /api/v2/media (multipart, with the alt text as `description`), then, when
 * the instance answers 202 (still processing), GET /api/v1/media/:id until it has a `url`. A status
 * that names unprocessed media is refused, so the wait is part of publishing; it is bounded.
 */

export interface MediaUploadSettings {
  base: string;
  accessToken: string;
  timeoutMs: number;
  /** How long to wait for the instance to process one upload. */
  processingTimeoutMs: number;
  dispatcher?: Dispatcher;
  signal?: AbortSignal | undefined;
}

export type MediaUploadResult = { ok: true; ids: string[] } | { ok: false; outcome: PublishOutcome };

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/gif': '.gif',
  'image/webp': '.webp',
  'image/avif': '.avif',
  'video/mp4': '.mp4',
  'video/quicktime': '.mov',
  'video/webm': '.webm',
  'audio/mpeg': '.mp3',
};

export async function uploadAllMedia(
  media: OutgoingMedia[],
  settings: MediaUploadSettings,
): Promise<MediaUploadResult> {
  const ids: string[] = [];
  for (const item of media) {
    const uploaded = await uploadOne(item, settings);
    if (!uploaded.ok) return uploaded;
    ids.push(uploaded.id);
  }
  return { ok: true, ids };
}

async function uploadOne(
  item: OutgoingMedia,
  settings: MediaUploadSettings,
): Promise<{ ok: true; id: string } | { ok: false; outcome: PublishOutcome }> {
  const host = hostOf(settings.base);
  let bytes: Buffer;
  try {
    bytes = await item.read();
  } catch (error) {
    return {
      ok: false,
      outcome: { kind: 'retryable', reason: `A media file could not be read: ${(error as Error).message}` },
    };
  }
  // Each upload gets its own file name: some servers (snac2) derive the media id from it.
  const fileName = `${item.mediaId}${EXTENSIONS[item.mimeType] ?? ''}`;
  const form = multipart([
    { name: 'description', value: item.altText },
    { name: 'file', fileName, contentType: item.mimeType, data: bytes },
  ]);
  let res: NetworkResponse;
  try {
    const answer = await request(`${settings.base}/api/v2/media`, {
      method: 'POST',
      headers: {
        ...bearer(settings.accessToken),
        accept: 'application/json',
        'content-type': form.contentType,
      },
      body: form.body,
      dispatcher: settings.dispatcher ?? networkAgent(),
      headersTimeout: settings.timeoutMs,
      bodyTimeout: settings.timeoutMs,
      signal: settings.signal,
    });
    const text = await answer.body.text();
    res = { status: answer.statusCode, headers: answer.headers, body: parseJson(text), text };
  } catch (error) {
    // An upload that may have arrived leaves at most an unattached file behind: safe to retry.
    const code = (error as { code?: string }).code ?? (error as Error).name;
    return {
      ok: false,
      outcome: { kind: 'retryable', reason: `Uploading media to ${host} failed: ${code}` },
    };
  }
  if (!isSuccess(res)) {
    if (res.status === 413) {
      return {
        ok: false,
        outcome: {
          kind: 'invalid',
          reason: `${host} refused a media file as too large (${item.bytes} bytes).`,
        },
      };
    }
    if (res.status === 422) {
      return {
        ok: false,
        outcome: { kind: 'invalid', reason: `${host} refused a media file: ${errorText(res)}` },
      };
    }
    return { ok: false, outcome: classifyResponse(res, settings.base) };
  }
  const attachment = res.body as MastodonMediaAttachment;
  if (typeof attachment?.id !== 'string' && typeof attachment?.id !== 'number') {
    return {
      ok: false,
      outcome: { kind: 'retryable', reason: `${host} answered a media upload without an id.` },
    };
  }
  const id = String(attachment.id);
  if (res.status === 202 || !attachment.url) {
    const ready = await waitUntilProcessed(id, settings);
    if (!ready.ok) return ready;
  }
  return { ok: true, id };
}

/** Polls GET /api/v1/media/:id (206 while processing, 200 with a url when done), backing off. */
async function waitUntilProcessed(
  id: string,
  settings: MediaUploadSettings,
): Promise<{ ok: true } | { ok: false; outcome: PublishOutcome }> {
  const host = hostOf(settings.base);
  const deadline = Date.now() + settings.processingTimeoutMs;
  let delay = 100;
  for (;;) {
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())), settings.signal);
    const res = await sendRequest(
      {
        method: 'GET',
        url: `${settings.base}/api/v1/media/${encodeURIComponent(id)}`,
        headers: bearer(settings.accessToken),
        timeoutMs: settings.timeoutMs,
        signal: settings.signal,
      },
      settings.dispatcher,
    );
    if (isFailure(res)) {
      return {
        ok: false,
        outcome: { kind: 'retryable', reason: `Could not check media processing on ${host}: ${res.reason}` },
      };
    }
    if (res.status === 200 && (res.body as MastodonMediaAttachment)?.url) return { ok: true };
    if (res.status !== 200 && res.status !== 206)
      return { ok: false, outcome: classifyResponse(res, settings.base) };
    if (Date.now() >= deadline) {
      return {
        ok: false,
        outcome: {
          kind: 'retryable',
          reason: `${host} was still processing a media file after ${Math.round(settings.processingTimeoutMs / 1000)} s.`,
        },
      };
    }
    delay = Math.min(delay * 2, 2_000);
  }
}

interface FormField {
  name: string;
  value?: string;
  fileName?: string;
  contentType?: string;
  data?: Buffer;
}

function multipart(fields: FormField[]): { contentType: string; body: Buffer } {
  const boundary = `----spool${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const field of fields) {
    const disposition = field.fileName
      ? `form-data; name="${field.name}"; filename="${field.fileName.replace(/["\r\n]/g, '_')}"`
      : `form-data; name="${field.name}"`;
    const type = field.contentType ? `\r\nContent-Type: ${field.contentType}` : '';
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}${type}\r\n\r\n`, 'utf8'));
    chunks.push(field.data ?? Buffer.from(field.value ?? '', 'utf8'));
    chunks.push(Buffer.from('\r\n', 'utf8'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'utf8'));
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(chunks) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
