import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TlsFiles } from '../../src/http/app.ts';

const run = promisify(execFile);

let cached: Promise<TlsFiles> | undefined;

/**
 * A throwaway self-signed certificate for 127.0.0.1 and localhost, made at test time with the
 * `openssl` command (node's crypto cannot issue X.509 certificates by itself). One per test process.
 */
export function selfSignedCertificate(): Promise<TlsFiles> {
  cached ??= generate();
  return cached;
}

/** A certificate that also names `hostnames` (e.g. a test name mapped to 127.0.0.1). */
export function selfSignedCertificateFor(hostnames: string[]): Promise<TlsFiles> {
  return generate(hostnames);
}

async function generate(extraNames: string[] = []): Promise<TlsFiles> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-tls-'));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  try {
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      `subjectAltName=${['DNS:localhost', 'IP:127.0.0.1', ...extraNames.map((name) => `DNS:${name}`)].join(',')}`,
    ]);
    return { key: await fs.readFile(keyFile), cert: await fs.readFile(certFile) };
  } catch (error) {
    throw new Error(
      `could not make a test certificate with openssl (is it installed?): ${(error as Error).message}`,
    );
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  setCookies: string[];
  body: string;
}

/**
 * One HTTPS request that trusts our self-signed certificate (fetch cannot be told to without a
 * non-standard dispatcher).
 */
export function httpsRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, rejectUnauthorized: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            setCookies: res.headers['set-cookie'] ?? [],
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
