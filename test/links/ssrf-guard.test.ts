import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpoolError } from '../../src/domain/errors.ts';
import { classifyAddress, SsrfGuard } from '../../src/security/ssrf-guard.ts';

const LIMITS = { maxBytes: 1024 * 1024, timeoutMs: 5_000, maxRedirects: 3 };

/** The host a URL would connect to, as the WHATWG URL parser (and so the guard) sees it. */
const hostOf = (url: string) => new URL(url).hostname.replace(/^\[|\]$/g, '');

async function failure(promise: Promise<unknown>): Promise<SpoolError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SpoolError) return error;
    throw error;
  }
  throw new Error('expected the fetch to be refused');
}

describe('address classification', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['169.254.169.254', 'link-local'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['198.18.0.1', 'benchmarking'],
    ['192.0.2.10', 'documentation'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'IPv4-mapped'],
    ['::ffff:7f00:1', 'IPv4-mapped'],
    ['::ffff:8.8.8.8', 'IPv4-mapped'],
    ['fd00::1', 'unique local'],
    ['fc12:3456::1', 'unique local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['64:ff9b::a00:1', 'reserved'],
    ['::127.0.0.1', 'reserved'],
    ['2002:7f00:1::1', '6to4'],
    ['2001:0:4136:e378::1', 'Teredo'],
  ])('refuses %s (%s)', (address, reason) => {
    const verdict = classifyAddress(address);
    expect(verdict.allowed).toBe(false);
    expect(verdict.allowed ? '' : verdict.reason).toContain(reason);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '172.15.255.255',
    '172.32.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '169.253.255.255',
    '2606:4700:4700::1111',
    '2a00:1450:4001:81b::200e',
  ])('allows the public address %s', (address) => {
    expect(classifyAddress(address)).toEqual({ allowed: true });
  });

  it('refuses what is not an IP address at all', () => {
    expect(classifyAddress('example.com').allowed).toBe(false);
    expect(classifyAddress('256.1.1.1').allowed).toBe(false);
  });

  it.each([
    ['http://127.1/', '127.0.0.1'],
    ['http://0/', '0.0.0.0'],
    ['http://2130706433/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://0x7f.0x0.0x0.0x1/', '127.0.0.1'],
    ['http://0x7f000001/', '127.0.0.1'],
    ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1'],
    ['http://[0:0:0:0:0:ffff:a9fe:a9fe]/', '::ffff:a9fe:a9fe'],
    ['http://%31%32%37.0.0.1/', '127.0.0.1'],
  ])('sees through the disguised address in %s', (url, canonical) => {
    expect(hostOf(url)).toBe(canonical);
    expect(classifyAddress(hostOf(url)).allowed).toBe(false);
  });
});

describe('guarded fetch against a local server', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/hello') return res.end('hello');
      if (url.pathname === '/redirect') {
        const to = url.searchParams.get('to') ?? '/hello';
        return res.writeHead(302, { location: to }).end();
      }
      if (url.pathname === '/loop') return res.writeHead(301, { location: '/loop' }).end();
      if (url.pathname === '/big') return res.end(Buffer.alloc(50_000, 'a'));
      if (url.pathname === '/gzip') {
        res.writeHead(200, { 'content-encoding': 'gzip' });
        return res.end(zlib.gzipSync(Buffer.alloc(200_000, 'z')));
      }
      if (url.pathname === '/slow') return setTimeout(() => res.end('late'), 2_000);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const strict = new SsrfGuard({ allowPrivateAddresses: false });
  const lenient = new SsrfGuard({ allowPrivateAddresses: true });

  it('refuses loopback by default, whether written as an IP, a disguised IP or a name that resolves to it', async () => {
    const port = new URL(base).port;
    for (const url of [
      `${base}/hello`,
      `http://127.1:${port}/hello`,
      `http://2130706433:${port}/hello`,
      `http://localhost:${port}/hello`,
    ]) {
      const error = await failure(strict.fetch(url, LIMITS));
      expect(error.code).toBe('fetch.blocked_address');
      expect(error.message).toMatch(/loopback/);
    }
  });

  it('fetches loopback when the operator allows private addresses', async () => {
    const response = await lenient.fetch(`${base}/hello`, LIMITS);
    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe('hello');
  });

  it('follows redirects, re-checking the scheme of every hop, and caps their number', async () => {
    const followed = await lenient.fetch(`${base}/redirect?to=/hello`, LIMITS);
    expect(followed.url).toBe(`${base}/hello`);
    expect(followed.body.toString()).toBe('hello');

    const toFile = await failure(lenient.fetch(`${base}/redirect?to=file:///etc/passwd`, LIMITS));
    expect(toFile.code).toBe('fetch.invalid_url');

    const loop = await failure(lenient.fetch(`${base}/loop`, LIMITS));
    expect(loop.code).toBe('fetch.too_many_redirects');
  });

  it('cuts the body at the size cap, also after decompression', async () => {
    const big = await lenient.fetch(`${base}/big`, { ...LIMITS, maxBytes: 1000 });
    expect(big.body.length).toBe(1000);
    expect(big.truncated).toBe(true);
    const gzip = await lenient.fetch(`${base}/gzip`, { ...LIMITS, maxBytes: 10_000 });
    expect(gzip.body.length).toBe(10_000);
    expect(gzip.body.toString()).toMatch(/^z+$/);
  });

  it('gives up after the time limit', async () => {
    const error = await failure(lenient.fetch(`${base}/slow`, { ...LIMITS, timeoutMs: 200 }));
    expect(error.code).toBe('fetch.timeout');
  });

  it('refuses other schemes and URLs with credentials', async () => {
    for (const url of [
      'file:///etc/passwd',
      'gopher://example.com/',
      'ftp://example.com/',
      'not a url',
      'http://user:pw@example.com/',
    ]) {
      const error = await failure(lenient.fetch(url, LIMITS));
      expect(error.code).toBe('fetch.invalid_url');
    }
  });
});
