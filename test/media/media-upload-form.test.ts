import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpClient, signUpUser } from '../support/http-client.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/** Uploads a real multipart form, built with FormData as a browser builds it, with the client's session. */
async function uploadForm(
  client: HttpClient,
  organizationId: string,
  form: FormData | string,
  type?: string,
) {
  const res = await fetch(`${client.baseUrl}/api/orgs/${organizationId}/media`, {
    method: 'POST',
    headers: {
      cookie: `spool_session=${client.cookie('spool_session')}`,
      'x-csrf-token': client.csrfToken ?? '',
      origin: new URL(client.baseUrl).origin,
      ...(type ? { 'content-type': type } : {}),
    },
    body: form,
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Media & { error: ApiError } };
}

interface ApiError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
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

/** A form with `file` and any other fields, in the order given (browsers keep the order). */
function form(entries: [string, string | { bytes: Buffer; filename: string; type: string }][]): FormData {
  const data = new FormData();
  for (const [name, value] of entries) {
    if (typeof value === 'string') data.append(name, value);
    else data.append(name, new Blob([value.bytes], { type: value.type }), value.filename);
  }
  return data;
}

const solidImage = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#c0a080' } });

/** An image of noise, which no encoder can shrink: its size on disk is about width × height × 3. */
const noisyPng = (width: number, height: number) =>
  sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#000',
      noise: { type: 'gaussian', mean: 128, sigma: 60 },
    },
  })
    .png()
    .toBuffer();

/** The start of an MP4 file (an `ftyp` box) followed by an empty `mdat` box, `size` bytes in all. */
function makeMp4(size: number): Buffer {
  const ftyp = Buffer.concat([Buffer.from([0, 0, 0, 0x10]), Buffer.from('ftypisom\0\0\x02\0', 'latin1')]);
  const mdat = Buffer.alloc(size - ftyp.length);
  mdat.writeUInt32BE(mdat.length);
  mdat.write('mdat', 4, 'latin1');
  return Buffer.concat([ftyp, mdat]);
}

describe('media upload as a multipart form', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Small limits, so that the size rules can be tested with small files.
    t = await startTestApp({ env: { MEDIA_MAX_IMAGE_BYTES: '20000', MEDIA_MAX_VIDEO_BYTES: '60000' } });
  });
  afterAll(async () => {
    await t.close();
  });

  /** Nothing of the organization's is in the media table, the blob store or the staging folder. */
  async function expectNothingStored(organizationId: string) {
    const [count] = await t.sql<{ n: string }[]>`
      select count(*) as n from media where organization_id = ${organizationId}`;
    expect(Number(count!.n)).toBe(0);
    await expect(fs.access(path.join(t.config.dataDir, 'media', organizationId))).rejects.toThrow();
    const staging = path.join(t.config.dataDir, 'tmp', 'uploads');
    expect(await fs.readdir(staging).catch(() => [])).toEqual([]);
  }

  async function getThumbnail(client: HttpClient, media: Media) {
    const res = await fetch(`${t.url}${media.thumbnailUrl}`, {
      headers: { cookie: `spool_session=${client.cookie('spool_session')}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/webp');
    return sharp(Buffer.from(await res.arrayBuffer())).metadata();
  }

  it('stores a PNG sent as a form by its content, with the alt text field, its size and a thumbnail', async () => {
    const { client, organizationId } = await signUpUser(t.url);
    const png = await solidImage(800, 600).png().toBuffer();
    // The alt text comes after the file, as a form that appends it last sends it.
    const res = await uploadForm(
      client,
      organizationId,
      form([
        ['file', { bytes: png, filename: 'sunset.mp4', type: 'video/mp4' }],
        ['altText', 'The sun setting over the harbour'],
      ]),
    );
    expect(res.status).toBe(201);
    const media = res.body;
    expect(media).toMatchObject({
      kind: 'image',
      contentType: 'image/png',
      byteSize: png.length,
      width: 800,
      height: 600,
      filename: 'sunset.mp4',
      altText: 'The sun setting over the harbour',
      hasThumbnail: true,
      thumbnailUrl: `/api/orgs/${organizationId}/media/${media.id}/thumbnail`,
    });
    const content = await fetch(`${t.url}${media.url}`, {
      headers: { cookie: `spool_session=${client.cookie('spool_session')}` },
    });
    expect(content.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await content.arrayBuffer())).toEqual(png);
    expect(await getThumbnail(client, media)).toMatchObject({ format: 'webp', width: 400, height: 300 });
  });

  it('turns a photo upright by its EXIF orientation, and never enlarges a small image', async () => {
    const { client, organizationId } = await signUpUser(t.url);
    // Stored 600 wide and 200 high, shown rotated a quarter turn: 200 wide and 600 high.
    const photo = await solidImage(600, 200).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const rotated = await uploadForm(
      client,
      organizationId,
      form([
        ['altText', 'A lighthouse'],
        ['file', { bytes: photo, filename: 'IMG_0001.JPG', type: 'image/jpeg' }],
      ]),
    );
    expect(rotated.status).toBe(201);
    expect(rotated.body).toMatchObject({
      contentType: 'image/jpeg',
      width: 200,
      height: 600,
      altText: 'A lighthouse',
    });
    expect(await getThumbnail(client, rotated.body)).toMatchObject({ width: 133, height: 400 });

    const icon = await solidImage(16, 12).png().toBuffer();
    const small = await uploadForm(
      client,
      organizationId,
      form([['file', { bytes: icon, filename: 'icon.png', type: 'image/png' }]]),
    );
    expect(small.body).toMatchObject({ width: 16, height: 12, altText: '' });
    expect(await getThumbnail(client, small.body)).toMatchObject({ width: 16, height: 12 });
  });

  it('refuses a text file named photo.png with 415 and stores nothing', async () => {
    const { client, organizationId } = await signUpUser(t.url);
    const text = Buffer.from('Shopping list: flour, yeast, salt, water. Not a picture at all.\n'.repeat(3));
    const res = await uploadForm(
      client,
      organizationId,
      form([['file', { bytes: text, filename: 'photo.png', type: 'image/png' }]]),
    );
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('media.unsupported_type');
    await expectNothingStored(organizationId);
  });

  it('refuses files over the limit of their kind with 413 and stores nothing', async () => {
    const { client, organizationId } = await signUpUser(t.url);
    const bigImage = await noisyPng(100, 100);
    expect(bigImage.length).toBeGreaterThan(20000);
    const image = await uploadForm(
      client,
      organizationId,
      form([['file', { bytes: bigImage, filename: 'noise.png', type: 'image/png' }]]),
    );
    expect(image.status).toBe(413);
    expect(image.body.error).toMatchObject({
      code: 'media.too_large',
      details: { limitBytes: 20000, kind: 'image' },
    });

    // Within the form's margin over the largest limit, so cut off by the video limit while it streams.
    const video = await uploadForm(
      client,
      organizationId,
      form([['file', { bytes: makeMp4(70_000), filename: 'clip.mp4', type: 'video/mp4' }]]),
    );
    expect(video.status).toBe(413);
    expect(video.body.error).toMatchObject({
      code: 'media.too_large',
      details: { limitBytes: 60000, kind: 'video' },
    });

    // Declared far larger than any limit: refused before a byte of it is read.
    const huge = await uploadForm(
      client,
      organizationId,
      form([['file', { bytes: makeMp4(400_000), filename: 'film.mp4', type: 'video/mp4' }]]),
    );
    expect(huge.status).toBe(413);
    expect(huge.body.error).toMatchObject({
      code: 'media.too_large',
      details: { limitBytes: 60000, kind: null },
    });
    await expectNothingStored(organizationId);
  });

  it('answers forms without exactly one file, or with fields it does not take, with 400', async () => {
    const { client, organizationId } = await signUpUser(t.url);
    const png = await solidImage(4, 4).png().toBuffer();
    const file = { bytes: png, filename: 'a.png', type: 'image/png' };
    const cases: [FormData, string][] = [
      [form([['altText', 'a caption without a picture']]), 'media.file_missing'],
      [form([['image', file]]), 'media.file_missing'],
      [form([['file', 'not a file, just text']]), 'media.file_missing'],
      [
        form([
          ['file', file],
          ['file', file],
        ]),
        'media.too_many_files',
      ],
      [
        form([
          ['file', file],
          ['alt_text', 'misspelt'],
        ]),
        'request.invalid',
      ],
      [
        form([
          ['file', file],
          ['altText', 'x'.repeat(2001)],
        ]),
        'request.invalid',
      ],
      [
        form([
          ['file', file],
          ['altText', 'one'],
          ['altText', 'two'],
        ]),
        'request.invalid',
      ],
    ];
    for (const [body, code] of cases) {
      const res = await uploadForm(client, organizationId, body);
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 400, code });
    }
    const misspelt = await uploadForm(
      client,
      organizationId,
      form([
        ['file', file],
        ['alt_text', 'x'],
      ]),
    );
    expect(misspelt.body.error.details).toEqual({
      issues: [{ path: 'body.alt_text', message: 'is not a field an upload takes' }],
    });

    const malformed = await uploadForm(
      client,
      organizationId,
      '--b\r\ncontent-disposition: form-data; name="file"; filename="a.png"\r\n\r\n\x89PNG',
      'multipart/form-data; boundary=b',
    );
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('media.invalid_form');
    await expectNothingStored(organizationId);
  });
});
