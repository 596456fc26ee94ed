import { createHash, createHmac } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import type { S3Settings } from '../config/config.ts';
import { SpoolError } from '../domain/errors.ts';
import { assertBlobKey, type BlobStore } from '../ports/blob-store.ts';

/**
 * Media in any S3-compatible store (AWS S3, MinIO, Cloudflare R2, Garage, …), addressed path-style
 * (`<endpoint>/<bucket>/<key>`), with requests signed by AWS Signature Version 4. A few plain HTTP
 * requests instead of an SDK: Spool needs PUT, GET and DELETE of single objects, nothing more.
 */

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface SigningInput {
  method: string;
  url: URL;
  /** Headers to sign besides host, x-amz-date and x-amz-content-sha256 (names in lower case). */
  headers: Record<string, string>;
  payloadHash: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  now: Date;
  service?: string;
}

/** RFC 3986 encoding, as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** The request's headers with SigV4's `authorization`, `x-amz-date` and `x-amz-content-sha256` added. */
export function signS3Request(input: SigningInput): Record<string, string> {
  const amzDate = input.now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const service = input.service ?? 's3';
  const headers: Record<string, string> = {
    ...input.headers,
    host: input.url.host,
    'x-amz-date': amzDate,
    'x-amz-content-sha256': input.payloadHash,
  };
  const names = Object.keys(headers)
    .map((n) => n.toLowerCase())
    .sort();
  const canonicalHeaders = names.map((n) => `${n}:${headers[n]!.trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalPath = input.url.pathname
    .split('/')
    .map((segment) => uriEncode(decodeURIComponent(segment)))
    .join('/');
  const canonicalQuery = [...input.url.searchParams]
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalRequest = [
    input.method,
    canonicalPath,
    canonicalQuery,
    canonicalHeaders,
    signedHeaders,
    input.payloadHash,
  ].join('\n');
  const scope = `${day}/${input.region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${input.secretAccessKey}`, day), input.region), service),
    'aws4_request',
  );
  const signature = createHmac('sha256', signingKey).update(stringToSign).digest('hex');
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${input.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}

export class S3BlobStore implements BlobStore {
  constructor(
    private readonly settings: S3Settings,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private urlOf(key: string): URL {
    assertBlobKey(key);
    return new URL(`${this.settings.endpoint}/${uriEncode(this.settings.bucket)}/${key}`);
  }

  private send(
    method: string,
    key: string,
    options: { headers?: Record<string, string>; payloadHash?: string; body?: Readable | Buffer } = {},
  ): Promise<IncomingMessage> {
    const url = this.urlOf(key);
    const headers = signS3Request({
      method,
      url,
      headers: options.headers ?? {},
      payloadHash: options.payloadHash ?? EMPTY_SHA256,
      region: this.settings.region,
      accessKeyId: this.settings.accessKeyId,
      secretAccessKey: this.settings.secretAccessKey,
      now: this.clock(),
    });
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = client.request(url, { method, headers, timeout: 60_000 });
      request.on('response', resolve);
      request.on('timeout', () => request.destroy(new Error('timed out')));
      request.on('error', (error) => reject(unavailable(`${method} failed: ${error.message}`)));
      if (Buffer.isBuffer(options.body)) request.end(options.body);
      else if (options.body) {
        options.body.on('error', (error) => request.destroy(error));
        options.body.pipe(request);
      } else request.end();
    });
  }

  async putFile(
    key: string,
    stagedPath: string,
    info: { contentType: string; byteSize: number },
  ): Promise<void> {
    try {
      const response = await this.send('PUT', key, {
        headers: { 'content-type': info.contentType, 'content-length': String(info.byteSize) },
        payloadHash: 'UNSIGNED-PAYLOAD',
        body: createReadStream(stagedPath),
      });
      await expectOk(response, 'PUT');
    } finally {
      await fs.rm(stagedPath, { force: true });
    }
  }

  async putBytes(key: string, bytes: Buffer, info: { contentType: string }): Promise<void> {
    const response = await this.send('PUT', key, {
      headers: { 'content-type': info.contentType, 'content-length': String(bytes.length) },
      payloadHash: sha256Hex(bytes),
      body: bytes,
    });
    await expectOk(response, 'PUT');
  }

  async open(key: string): Promise<{ body: Readable; byteSize: number } | undefined> {
    const response = await this.send('GET', key);
    if (response.statusCode === 404) {
      response.resume();
      return undefined;
    }
    if (response.statusCode !== 200) await expectOk(response, 'GET');
    return { body: response, byteSize: Number(response.headers['content-length'] ?? 0) };
  }

  async remove(key: string): Promise<void> {
    const response = await this.send('DELETE', key);
    if (response.statusCode === 404) return void response.resume();
    await expectOk(response, 'DELETE');
  }
}

async function expectOk(response: IncomingMessage, method: string): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const status = response.statusCode ?? 0;
  if (status >= 200 && status < 300) return;
  const body = Buffer.concat(chunks).toString('utf8');
  const code = /<Code>([^<]+)<\/Code>/.exec(body)?.[1] ?? `HTTP ${status}`;
  throw unavailable(`${method} answered ${code}`);
}

function unavailable(detail: string): SpoolError {
  return new SpoolError(
    'media.storage_unavailable',
    `The media store did not accept the request (${detail}). Try again; if it persists, an operator should check the S3 settings.`,
    'unavailable',
  );
}
