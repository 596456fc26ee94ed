import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import type { BlobStore } from '../../src/ports/blob-store.ts';
import { createBlobStore, LocalBlobStore } from '../../src/storage/local-blob-store.ts';
import { S3BlobStore, signS3Request } from '../../src/storage/s3-blob-store.ts';

const AWS_EXAMPLE = {
  region: 'us-east-1',
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  now: new Date('2013-05-24T00:00:00Z'),
};
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const signatureOf = (headers: Record<string, string>) =>
  /Signature=([0-9a-f]{64})$/.exec(headers.authorization!)?.[1];

describe('AWS Signature Version 4, against the examples in the Amazon S3 documentation', () => {
  it('signs GET Object with a Range header', () => {
    const headers = signS3Request({
      ...AWS_EXAMPLE,
      method: 'GET',
      url: new URL('https://examplebucket.s3.amazonaws.com/test.txt'),
      headers: { range: 'bytes=0-9' },
      payloadHash: EMPTY,
    });
    expect(headers.authorization).toContain(
      'Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date',
    );
    expect(signatureOf(headers)).toBe('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
  });

  it('signs PUT Object with a payload hash and an encoded key', () => {
    const body = 'Welcome to Amazon S3.';
    const headers = signS3Request({
      ...AWS_EXAMPLE,
      method: 'PUT',
      url: new URL('https://examplebucket.s3.amazonaws.com/test$file.text'),
      headers: { date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-storage-class': 'REDUCED_REDUNDANCY' },
      payloadHash: createHash('sha256').update(body).digest('hex'),
    });
    expect(signatureOf(headers)).toBe('98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd');
  });

  it('signs a request with a query string (GET Bucket, sorted parameters)', () => {
    const headers = signS3Request({
      ...AWS_EXAMPLE,
      method: 'GET',
      url: new URL('https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J'),
      headers: {},
      payloadHash: EMPTY,
    });
    expect(signatureOf(headers)).toBe('34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7');
  });
});

/** Shared behaviour every blob store must have. */
function blobStoreContract(name: string, make: () => Promise<{ store: BlobStore; staging: string }>) {
  describe(`${name} blob store`, () => {
    it('stores a staged file (consuming it) and bytes, reads them back, and removes them', async () => {
      const { store, staging } = await make();
      const staged = path.join(staging, 'upload.part');
      await fs.writeFile(staged, 'original bytes');
      await store.putFile('org-1/media-1/original', staged, { contentType: 'image/png', byteSize: 14 });
      await expect(fs.access(staged)).rejects.toThrow();
      await store.putBytes('org-1/media-1/thumbnail', Buffer.from('thumb'), { contentType: 'image/webp' });

      const original = await store.open('org-1/media-1/original');
      expect(original?.byteSize).toBe(14);
      expect(await text(original!.body)).toBe('original bytes');
      expect(await text((await store.open('org-1/media-1/thumbnail'))!.body)).toBe('thumb');

      await store.remove('org-1/media-1/original');
      await store.remove('org-1/media-1/original');
      expect(await store.open('org-1/media-1/original')).toBeUndefined();
    });

    it('refuses keys that could escape the store', async () => {
      const { store } = await make();
      for (const key of [
        '../etc/passwd',
        '/etc/passwd',
        'org/../../x',
        'org//x',
        'Org/X',
        'org/x/',
        'a\\b',
      ]) {
        await expect(store.open(key)).rejects.toThrow(/invalid blob key/);
        await expect(store.putBytes(key, Buffer.from('x'), { contentType: 'image/png' })).rejects.toThrow(
          /invalid blob key/,
        );
      }
    });
  });
}

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-blobs-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

blobStoreContract('local', async () => {
  const root = await fs.mkdtemp(path.join(tmp, 'local-'));
  return { store: new LocalBlobStore(path.join(root, 'media')), staging: root };
});

// A minimal S3-speaking server (PUT/GET/DELETE of objects, path-style) that checks what Spool sends.
const objects = new Map<string, { body: Buffer; contentType: string }>();
const seenRequests: { method: string; url: string; authorization: string; contentSha256: string }[] = [];
const s3 = http.createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const authorization = String(req.headers.authorization ?? '');
  const contentSha256 = String(req.headers['x-amz-content-sha256'] ?? '');
  seenRequests.push({ method: req.method!, url: req.url!, authorization, contentSha256 });
  if (!/^AWS4-HMAC-SHA256 Credential=test-key\/\d{8}\/eu-test-1\/s3\/aws4_request, /.test(authorization)) {
    return res.writeHead(403).end('<Error><Code>AccessDenied</Code></Error>');
  }
  if (
    contentSha256 !== 'UNSIGNED-PAYLOAD' &&
    contentSha256 !== createHash('sha256').update(body).digest('hex')
  ) {
    return res.writeHead(400).end('<Error><Code>XAmzContentSHA256Mismatch</Code></Error>');
  }
  if (req.method === 'PUT') {
    objects.set(req.url!, { body, contentType: String(req.headers['content-type']) });
    return res.writeHead(200).end();
  }
  const object = objects.get(req.url!);
  if (req.method === 'DELETE') {
    objects.delete(req.url!);
    return res.writeHead(204).end();
  }
  if (!object) return res.writeHead(404).end('<Error><Code>NoSuchKey</Code></Error>');
  res
    .writeHead(200, { 'content-type': object.contentType, 'content-length': object.body.length })
    .end(object.body);
});

describe('S3 blob store against an S3-speaking server', () => {
  let endpoint: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => s3.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(s3.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => s3.close(resolve));
  });
  const settings = () => ({
    endpoint,
    bucket: 'spool-media',
    region: 'eu-test-1',
    accessKeyId: 'test-key',
    secretAccessKey: 'test-secret',
  });

  blobStoreContract('S3', async () => ({
    store: new S3BlobStore(settings()),
    staging: await fs.mkdtemp(path.join(tmp, 's3-')),
  }));

  it('addresses objects path-style in the bucket and signs every request', async () => {
    const store = new S3BlobStore(settings());
    seenRequests.length = 0;
    await store.putBytes('org-2/m/original', Buffer.from('abc'), { contentType: 'video/mp4' });
    expect(objects.get('/spool-media/org-2/m/original')).toEqual({
      body: Buffer.from('abc'),
      contentType: 'video/mp4',
    });
    expect(seenRequests[0]).toMatchObject({
      method: 'PUT',
      url: '/spool-media/org-2/m/original',
      contentSha256: createHash('sha256').update('abc').digest('hex'),
    });
  });

  it('turns a refusal by the store into a clear, retryable error', async () => {
    const store = new S3BlobStore({ ...settings(), accessKeyId: 'wrong-key' });
    await expect(
      store.putBytes('org-3/m/original', Buffer.from('x'), { contentType: 'image/png' }),
    ).rejects.toMatchObject({
      code: 'media.storage_unavailable',
      kind: 'unavailable',
      message: expect.stringContaining('AccessDenied'),
    });
  });
});

describe('choosing the blob store from the settings', () => {
  const s3Env = {
    S3_ENDPOINT: 'https://s3.example.com/',
    S3_BUCKET: 'media',
    S3_ACCESS_KEY_ID: 'key',
    S3_SECRET_ACCESS_KEY: 'secret',
  };

  it('keeps media on local disk by default and uses S3 when all its settings are given', () => {
    expect(createBlobStore(loadConfig({}))).toBeInstanceOf(LocalBlobStore);
    const config = loadConfig(s3Env);
    expect(config.media.s3).toEqual({
      endpoint: 'https://s3.example.com',
      bucket: 'media',
      region: 'us-east-1',
      accessKeyId: 'key',
      secretAccessKey: 'secret',
    });
    expect(createBlobStore(config)).toBeInstanceOf(S3BlobStore);
  });

  it('refuses to start with half an S3 configuration, naming what is missing', () => {
    let error: unknown;
    try {
      loadConfig({ S3_BUCKET: 'media', S3_ENDPOINT: 'https://s3.example.com' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/S3_ACCESS_KEY_ID/);
    expect(problems).toMatch(/S3_SECRET_ACCESS_KEY/);
    expect(problems).not.toMatch(/S3_BUCKET=/);
  });

  it('reads the size limits per kind', () => {
    const config = loadConfig({ MEDIA_MAX_IMAGE_BYTES: '5000000', MEDIA_MAX_VIDEO_BYTES: '100000000' });
    expect(config.media).toMatchObject({ maxImageBytes: 5_000_000, maxVideoBytes: 100_000_000 });
    expect(loadConfig({}).media).toMatchObject({ maxImageBytes: 20_971_520, maxVideoBytes: 536_870_912 });
    expect(loadConfig({}).ssrfAllowPrivate).toBe(false);
  });
});
