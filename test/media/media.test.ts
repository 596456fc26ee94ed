import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpClient, signUpUser } from '../support/http-client.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/** Real image and video bytes made in memory, so tests need no binary fixtures. */

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A valid RGB PNG of the given size, filled with one colour; `padding` adds a private chunk. */
function makePng(width: number, height: number, padding = 0): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, 0x7f)]);
  const pixels = zlib.deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    ...(padding > 0 ? [pngChunk('spAd', Buffer.alloc(padding, 0x20))] : []),
    pngChunk('IDAT', pixels),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The start of an MP4 file (an `ftyp` box of brand isom) followed by an empty `mdat` of `size` bytes. */
function makeMp4(size: number): Buffer {
  const ftyp = Buffer.concat([
    Buffer.from([0, 0, 0, 0x18]),
    Buffer.from('ftypisom', 'latin1'),
    Buffer.from([0, 0, 2, 0]),
    Buffer.from('isomiso2', 'latin1'),
  ]);
  const mdatSize = Math.max(8, size - ftyp.length);
  const mdat = Buffer.alloc(mdatSize);
  mdat.writeUInt32BE(mdatSize);
  mdat.write('mdat', 4, 'latin1');
  return Buffer.concat([ftyp, mdat]);
}

/** Uploads bytes as the request body, the way the dashboard does, with the client's session. */
async function upload(
  client: HttpClient,
  organizationId: string,
  bytes: Buffer,
  options: { filename?: string; contentType?: string; altText?: string; chunked?: boolean } = {},
) {
  const query = new URLSearchParams();
  if (options.filename) query.set('filename', options.filename);
  if (options.altText) query.set('altText', options.altText);
  const res = await fetch(`${client.baseUrl}/api/orgs/${organizationId}/media?${query}`, {
    method: 'POST',
    headers: {
      'content-type': options.contentType ?? 'application/octet-stream',
      cookie: `spool_session=${client.cookie('spool_session')}`,
      'x-csrf-token': client.csrfToken ?? '',
      origin: new URL(client.baseUrl).origin,
    },
    // A stream has no Content-Length: it goes out chunked, as a browser's streamed upload would.
    body: options.chunked
      ? new ReadableStream({
          start(controller) {
            for (let i = 0; i < bytes.length; i += 8192) controller.enqueue(bytes.subarray(i, i + 8192));
            controller.close();
          },
        })
      : bytes,
    ...(options.chunked ? { duplex: 'half' } : {}),
  } as RequestInit);
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: JSON.parse(text) as Record<string, unknown> & { id: string },
  };
}

interface Media {
  id: string;
  kind: string;
  contentType: string;
  byteSize: number;
  width: number | null;
  height: number | null;
  altText: string;
  filename: string;
  url: string;
  thumbnailUrl: string | null;
  hasThumbnail: boolean;
}

describe('media library over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Small limits, so that the size rules can be tested with small files.
    t = await startTestApp({ env: { MEDIA_MAX_IMAGE_BYTES: '20000', MEDIA_MAX_VIDEO_BYTES: '60000' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('decides the type by content: a PNG named .mp4 and declared as video is stored as image/png', async () => {
    const { client, organizationId } = await signUpUser(t.url);
    const png = makePng(3, 2);
    const res = await upload(client, organizationId, png, {
      filename: 'holiday.mp4',
      contentType: 'video/mp4',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      kind: 'image',
      contentType: 'image/png',
      byteSize: png.length,
      width: 3,
      height: 2,
      filename: 'holiday.mp4',
      url: `/api/orgs/${organizationId}/media/${res.body.id}/content`,
    });

    const video = await upload(client, organizationId, makeMp4(5000), {
      filename: 'clip.png',
      contentType: 'image/png',
    });
    expect(video.status).toBe(201);
    expect(video.body).toMatchObject({ kind: 'video', contentType: 'video/mp4', width: null, height: null });
  });

  it('refuses what is not an image or video with 415, whatever its name or declared type', async () => {
    const { client, organizationId } = await signUpUser(t.url);
    const cases = [
      { bytes: Buffer.from('just some text, not a picture at all. '.repeat(4)), filename: 'photo.png' },
      {
        bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        filename: 'a.svg',
      },
      { bytes: Buffer.from('<html><body>hi</body></html>'), filename: 'page.gif' },
      { bytes: Buffer.from('tiny'), filename: 'tiny.jpg' },
    ];
    for (const { bytes, filename } of cases) {
      const res = await upload(client, organizationId, bytes, { filename, contentType: 'image/png' });
      expect(res.status).toBe(415);
      expect(res.body).toMatchObject({ error: { code: 'media.unsupported_type' } });
    }
    // Refused from its first bytes, while the rest is still on its way.
    const streamed = await upload(client, organizationId, Buffer.alloc(3 * 1024 * 1024, 'text '), {
      filename: 'notes.png',
      chunked: true,
    });
    expect(streamed.status).toBe(415);
    const empty = await upload(client, organizationId, Buffer.alloc(0), { filename: 'empty.png' });
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ error: { code: 'media.empty' } });
    const [count] = await t.sql<
      { n: string }[]
    >`select count(*) as n from media where organization_id = ${organizationId}`;
    expect(Number(count!.n)).toBe(0);
    expect(await fs.readdir(path.join(t.config.dataDir, 'tmp', 'uploads'))).toEqual([]);
  });

  it('limits the size per kind with 413, and leaves no file behind', async () => {
    const { client, organizationId } = await signUpUser(t.url);
    const bigImage = await upload(client, organizationId, makePng(2, 2, 30_000));
    expect(bigImage.status).toBe(413);
    expect(bigImage.body).toMatchObject({
      error: { code: 'media.too_large', details: { limitBytes: 20000, kind: 'image' } },
    });
    // The same size is fine for a video, whose limit is larger.
    expect((await upload(client, organizationId, makeMp4(30_000))).status).toBe(201);
    // Declared too large for any kind: refused before a byte is read.
    const declared = await upload(client, organizationId, makeMp4(70_000));
    expect(declared.status).toBe(413);
    expect(declared.body).toMatchObject({
      error: { code: 'media.too_large', details: { limitBytes: 60000 } },
    });
    // Streamed without a length: cut off as soon as the video passes its limit.
    const streamed = await upload(client, organizationId, makeMp4(5_000_000), { chunked: true });
    expect(streamed.status).toBe(413);
    expect(streamed.body).toMatchObject({ error: { code: 'media.too_large', details: { kind: 'video' } } });
    const [count] = await t.sql<
      { n: string }[]
    >`select count(*) as n from media where organization_id = ${organizationId}`;
    expect(Number(count!.n)).toBe(1);
    expect(await fs.readdir(path.join(t.config.dataDir, 'tmp', 'uploads'))).toEqual([]);
  });

  it('serves the bytes with their type, nosniff and cache headers, to members of the organization only', async () => {
    const ana = await signUpUser(t.url);
    const bob = await signUpUser(t.url);
    const png = makePng(4, 4);
    const { body: media } = await upload(ana.client, ana.organizationId, png, {
      filename: 'ünïcode "name".png',
    });

    const res = await fetch(`${t.url}${media.url}`, {
      headers: { cookie: `spool_session=${ana.client.cookie('spool_session')}` },
    });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(png);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    expect(res.headers.get('content-disposition')).toBe(
      `inline; filename="_n_code _name_.png"; filename*=UTF-8''%C3%BCn%C3%AFcode%20%22name%22.png`,
    );
    const etag = res.headers.get('etag')!;
    const again = await fetch(`${t.url}${media.url}`, {
      headers: { cookie: `spool_session=${ana.client.cookie('spool_session')}`, 'if-none-match': etag },
    });
    expect(again.status).toBe(304);

    expect((await fetch(`${t.url}${media.url}`)).status).toBe(401);
    const base = `/api/orgs/${bob.organizationId}/media/${media.id}`;
    expect((await bob.client.get(`/api/orgs/${ana.organizationId}/media/${media.id}/content`)).status).toBe(
      404,
    );
    for (const res of [
      await bob.client.get(`${base}/content`),
      await bob.client.get(base),
      await bob.client.patch(base, { altText: 'mine now' }),
      await bob.client.delete(base),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ error: { code: 'media.not_found' } });
    }
    const bobsList = await bob.client.get<{ media: Media[] }>(`/api/orgs/${bob.organizationId}/media`);
    expect(bobsList.body.media).toEqual([]);
  });

  it('edits alt text, and lists newest first a page at a time', async () => {
    const { client, organizationId } = await signUpUser(t.url);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await upload(client, organizationId, makePng(1, i + 1))).body.id);
    const edited = await client.patch<Media>(`/api/orgs/${organizationId}/media/${ids[0]}`, {
      altText: 'A loaf of sourdough on a wooden board',
    });
    expect(edited.body.altText).toBe('A loaf of sourdough on a wooden board');

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const page = await client.get<{ media: Media[]; nextCursor: string | null }>(
        `/api/orgs/${organizationId}/media?limit=2${query}`,
      );
      expect(page.body.media.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.media.map((m) => m.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    const videos = await client.get<{ media: Media[] }>(`/api/orgs/${organizationId}/media?kind=video`);
    expect(videos.body.media).toEqual([]);
  });

  it('makes a WebP thumbnail of an image that fits inside 400×400, and says when there is none', async () => {
    const { client, organizationId } = await signUpUser(t.url);
    const { body: media } = await upload(client, organizationId, makePng(1000, 500));
    expect(media).toMatchObject({
      width: 1000,
      height: 500,
      hasThumbnail: true,
      thumbnailUrl: `/api/orgs/${organizationId}/media/${media.id}/thumbnail`,
    });
    const res = await fetch(`${t.url}${media.thumbnailUrl}`, {
      headers: { cookie: `spool_session=${client.cookie('spool_session')}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/webp');
    const thumbnail = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    expect(thumbnail).toMatchObject({ format: 'webp', width: 400, height: 200 });
    const stored = path.join(t.config.dataDir, 'media', organizationId, media.id as string, 'thumbnail');
    await fs.access(stored);

    // Videos get none, and the thumbnail address says so.
    const { body: video } = await upload(client, organizationId, makeMp4(5000));
    expect(video).toMatchObject({ hasThumbnail: false, thumbnailUrl: null });
    const none = await client.get(`/api/orgs/${organizationId}/media/${video.id}/thumbnail`);
    expect(none.status).toBe(404);
    expect(none.body).toMatchObject({ error: { code: 'media.no_thumbnail' } });
  });

  it('refuses to delete media a queued post uses (409, naming the posts), then deletes it and its file', async () => {
    const { client, organizationId } = await signUpUser(t.url);
    const { body: media } = await upload(client, organizationId, makePng(2, 2));
    const stored = path.join(t.config.dataDir, 'media', organizationId, media.id, 'original');
    await fs.access(stored);

    const [channel] = await t.sql<{ id: string }[]>`
      insert into channels (organization_id, network, account_id, handle)
      values (${organizationId}, 'mastodon', 'acct-1', '@bakery') returning id`;
    const [post] = await t.sql<{ id: string }[]>`
      insert into posts (organization_id, text, media)
      values (${organizationId}, 'fresh bread', ${t.sql.json([{ mediaId: media.id, altText: 'bread' }])})
      returning id`;
    const [target] = await t.sql<{ id: string }[]>`
      insert into post_targets (post_id, organization_id, channel_id, status, due_at)
      values (${post!.id}, ${organizationId}, ${channel!.id}, 'queued', now() + interval '1 day') returning id`;
    const idea = await client.post<{ id: string }>(`/api/orgs/${organizationId}/ideas`, {
      title: 'bread',
      media: [{ mediaId: media.id, altText: 'bread' }],
    });

    const relabelled = await client.patch<{ media: unknown[] }>(
      `/api/orgs/${organizationId}/ideas/${idea.body.id}`,
      {
        media: [{ mediaId: media.id, altText: 'a loaf' }],
      },
    );
    expect(relabelled.body.media).toEqual([{ mediaId: media.id, altText: 'a loaf' }]);

    const refused = await client.delete(`/api/orgs/${organizationId}/media/${media.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: 'media.in_use', details: { postIds: [post!.id] } } });

    await t.sql`update post_targets set status = 'published', published_at = now() where id = ${target!.id}`;
    expect((await client.delete(`/api/orgs/${organizationId}/media/${media.id}`)).status).toBe(204);
    expect((await client.get(`/api/orgs/${organizationId}/media/${media.id}`)).status).toBe(404);
    await expect(fs.access(stored)).rejects.toThrow();
    const after = await client.get<{ media: unknown[] }>(`/api/orgs/${organizationId}/ideas/${idea.body.id}`);
    expect(after.body.media).toEqual([]);
  });

  it('refuses uploads to another organization', async () => {
    const ana = await signUpUser(t.url);
    const bob = await signUpUser(t.url);
    const res = await upload(bob.client, ana.organizationId, makePng(1, 1));
    expect(res.status).toBe(404);
  });
});
