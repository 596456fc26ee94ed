import dns from 'node:dns';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import net, { type LookupFunction } from 'node:net';
import zlib from 'node:zlib';
import { SpoolError } from '../domain/errors.ts';

/**
 * The one way Spool fetches a URL that a user gave it (link previews, media by URL, webhooks).
 * Only http and https; the host is resolved and every address it resolves to must be public
 * (not private, loopback, link-local, CGNAT, multicast, unspecified, reserved, IPv4-mapped or
 * unique-local); the connection goes to the address that was checked, so a DNS answer that changes
 * between check and connect (rebinding) cannot reach an inside address; every redirect hop is
 * checked again; redirects, bytes and time are capped.
 */

export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

interface Range {
  base: bigint;
  bits: number;
  reason: string;
}

const v4 = (cidr: string, reason: string): Range => {
  const [address, bits] = cidr.split('/');
  return { base: ipv4ToBigInt(address!)!, bits: Number(bits), reason };
};
const v6 = (cidr: string, reason: string): Range => {
  const [address, bits] = cidr.split('/');
  return { base: ipv6ToBigInt(address!)!, bits: Number(bits), reason };
};

const BLOCKED_IPV4: Range[] = [
  v4('0.0.0.0/8', 'unspecified ("this network")'),
  v4('10.0.0.0/8', 'private'),
  v4('100.64.0.0/10', 'carrier-grade NAT'),
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'link-local (cloud metadata)'),
  v4('172.16.0.0/12', 'private'),
  v4('192.0.0.0/24', 'IETF protocol assignments'),
  v4('192.0.2.0/24', 'documentation'),
  v4('192.88.99.0/24', '6to4 relay'),
  v4('192.168.0.0/16', 'private'),
  v4('198.18.0.0/15', 'benchmarking'),
  v4('198.51.100.0/24', 'documentation'),
  v4('203.0.113.0/24', 'documentation'),
  v4('224.0.0.0/4', 'multicast'),
  v4('240.0.0.0/4', 'reserved or broadcast'),
];

// IPv6 is checked against an allow-list (global unicast, 2000::/3) minus the special ranges in it,
// so that anything new or odd (NAT64, IPv4-compatible, site-local, ...) is refused by default.
const GLOBAL_UNICAST_V6 = v6('2000::/3', 'global unicast');
const BLOCKED_IPV6: Range[] = [
  v6('::/128', 'unspecified'),
  v6('::1/128', 'loopback'),
  v6('::ffff:0:0/96', 'IPv4-mapped'),
  v6('fc00::/7', 'unique local (ULA)'),
  v6('fe80::/10', 'link-local'),
  v6('ff00::/8', 'multicast'),
  v6('2001::/32', 'Teredo tunnel'),
  v6('2001:10::/28', 'ORCHID'),
  v6('2001:20::/28', 'ORCHIDv2'),
  v6('2001:db8::/32', 'documentation'),
  v6('2002::/16', '6to4 tunnel'),
  v6('3fff::/20', 'documentation'),
];

function inRange(value: bigint, range: Range, width: number): boolean {
  const shift = BigInt(width - range.bits);
  return value >> shift === range.base >> shift;
}

/** Strict dotted-quad IPv4 (what DNS and URL parsing produce) to a number; undefined otherwise. */
function ipv4ToBigInt(address: string): bigint | undefined {
  const parts = address.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

function ipv6ToBigInt(address: string): bigint | undefined {
  let text = address.replace(/^\[|\]$/g, '').split('%')[0]!;
  if (!net.isIPv6(text)) return undefined;
  // A trailing dotted IPv4 (::ffff:1.2.3.4) becomes two 16-bit groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const n = ipv4ToBigInt(dotted[1]!);
    if (n === undefined) return undefined;
    text = `${text.slice(0, dotted.index)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups =
    tail === undefined ? headGroups : [...headGroups, ...Array(missing).fill('0'), ...tailGroups];
  if (groups.length !== 8) return undefined;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

/** Whether Spool may connect to this IP address (a literal, as DNS or the URL parser gives it). */
export function classifyAddress(address: string): AddressVerdict {
  const n4 = ipv4ToBigInt(address);
  if (n4 !== undefined) {
    const blocked = BLOCKED_IPV4.find((r) => inRange(n4, r, 32));
    return blocked ? { allowed: false, reason: blocked.reason } : { allowed: true };
  }
  const n6 = ipv6ToBigInt(address);
  if (n6 === undefined) return { allowed: false, reason: 'not an IP address' };
  const blocked = BLOCKED_IPV6.find((r) => inRange(n6, r, 128));
  if (blocked) return { allowed: false, reason: blocked.reason };
  if (!inRange(n6, GLOBAL_UNICAST_V6, 128)) return { allowed: false, reason: 'reserved' };
  return { allowed: true };
}

export interface GuardSettings {
  /** Operators (and tests) may allow private and loopback addresses; http(s) is still enforced. */
  allowPrivateAddresses: boolean;
}

export interface FetchLimits {
  maxBytes: number;
  timeoutMs: number;
  maxRedirects: number;
  /** The Accept header to send. */
  accept?: string;
}

export interface GuardedResponse {
  /** The URL of the final hop, after redirects. */
  url: string;
  status: number;
  headers: IncomingHttpHeaders;
  /** The (decompressed) body, at most `maxBytes` long. */
  body: Buffer;
  /** True when the body was longer than `maxBytes` and was cut there. */
  truncated: boolean;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const USER_AGENT = 'SpoolBot/1.0 (+link previews; self-hosted social media scheduler)';

class BlockedAddressError extends Error {
  constructor(
    readonly host: string,
    readonly address: string,
    readonly reason: string,
  ) {
    super(`${host} resolves to ${address} (${reason})`);
  }
}

export class SsrfGuard {
  constructor(private readonly settings: GuardSettings) {}

  /** Parses a user-supplied URL and refuses anything but absolute http(s) URLs without credentials. */
  parseUrl(raw: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new SpoolError('fetch.invalid_url', `"${raw.slice(0, 200)}" is not a valid URL.`, 'invalid');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new SpoolError(
        'fetch.invalid_url',
        `Only http:// and https:// links can be fetched, not ${url.protocol}//.`,
        'invalid',
      );
    }
    if (url.username || url.password) {
      throw new SpoolError(
        'fetch.invalid_url',
        'Links with a user name or password cannot be fetched.',
        'invalid',
      );
    }
    // DNS names: at most 253 characters, 63 per label (a longer one fails the lookup with EINVAL).
    const hostname = url.hostname.replace(/\.$/, '');
    if (hostname.length > 253 || hostname.split('.').some((label) => label.length > 63)) {
      throw new SpoolError(
        'fetch.invalid_url',
        `"${raw.slice(0, 200)}" is not a valid URL: its host name is longer than DNS allows.`,
        'invalid',
      );
    }
    return url;
  }

  /** GETs a user-supplied URL under every rule above; throws a SpoolError (`fetch.*`) when it cannot. */
  async fetch(raw: string, limits: FetchLimits): Promise<GuardedResponse> {
    const signal = AbortSignal.timeout(limits.timeoutMs);
    let url = this.parseUrl(raw);
    for (let hop = 0; ; hop++) {
      const response = await this.request(url, limits, signal);
      const location = response.headers.location;
      if (!REDIRECTS.has(response.statusCode ?? 0) || !location) {
        return this.readBody(url, response, limits, signal);
      }
      response.resume();
      if (hop >= limits.maxRedirects) {
        throw new SpoolError(
          'fetch.too_many_redirects',
          `${raw.slice(0, 200)} redirects more than ${limits.maxRedirects} times.`,
          'invalid',
        );
      }
      url = this.parseUrl(new URL(location, url).href);
    }
  }

  /**
   * POSTs to a user-supplied URL (webhooks) under the same address rules. Redirects are not
   * followed: a webhook endpoint that redirects is answered as it is.
   */
  async post(
    raw: string,
    body: string,
    headers: Record<string, string>,
    limits: FetchLimits,
  ): Promise<GuardedResponse> {
    const signal = AbortSignal.timeout(limits.timeoutMs);
    const url = this.parseUrl(raw);
    const response = await this.request(url, limits, signal, { method: 'POST', body, headers });
    return this.readBody(url, response, limits, signal);
  }

  private request(
    url: URL,
    limits: FetchLimits,
    signal: AbortSignal,
    send?: { method: 'POST'; body: string; headers: Record<string, string> },
  ): Promise<IncomingMessage> {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // The connection is made to an IP literal without a lookup, so literals are checked here.
    if (net.isIP(host)) this.assertAllowed(host, host);
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = client.request(url, {
        method: send?.method ?? 'GET',
        agent: false,
        signal,
        lookup: this.checkedLookup(host),
        headers: {
          'user-agent': USER_AGENT,
          accept: limits.accept ?? '*/*',
          'accept-encoding': 'gzip, deflate, br',
          ...(send ? { 'content-length': String(Buffer.byteLength(send.body)), ...send.headers } : {}),
        },
      });
      request.on('response', resolve);
      request.on('error', (error) => reject(this.translate(error, url)));
      request.end(send?.body);
    });
  }

  private assertAllowed(host: string, address: string): void {
    if (this.settings.allowPrivateAddresses) return;
    const verdict = classifyAddress(address);
    if (!verdict.allowed) throw this.blocked(new BlockedAddressError(host, address, verdict.reason));
  }

  /** Resolves the host, refuses it if any of its addresses is not public, and connects to a checked one. */
  private checkedLookup(host: string): LookupFunction {
    return (hostname, options, callback) => {
      dns.lookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
        if (error) return callback(error, '', 0);
        if (!this.settings.allowPrivateAddresses) {
          for (const { address } of addresses) {
            const verdict = classifyAddress(address);
            if (!verdict.allowed)
              return callback(new BlockedAddressError(host, address, verdict.reason), '', 0);
          }
        }
        const usable = options.family ? addresses.filter((a) => a.family === options.family) : addresses;
        const first = usable[0];
        if (!first)
          return callback(
            Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }),
            '',
            0,
          );
        if (options.all) return callback(null, usable);
        callback(null, first.address, first.family);
      });
    };
  }

  private async readBody(
    url: URL,
    response: IncomingMessage,
    limits: FetchLimits,
    signal: AbortSignal,
  ): Promise<GuardedResponse> {
    const decoded = decoderFor(response.headers['content-encoding']);
    const source = decoded ? response.pipe(decoded) : response;
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        if (size + chunk.length > limits.maxBytes) {
          chunks.push(chunk.subarray(0, limits.maxBytes - size));
          size = limits.maxBytes;
          truncated = true;
          break;
        }
        chunks.push(chunk);
        size += chunk.length;
      }
    } catch (error) {
      throw this.translate(signal.aborted ? signal.reason : error, url);
    } finally {
      response.destroy();
      decoded?.destroy();
    }
    return {
      url: url.href,
      status: response.statusCode ?? 0,
      headers: response.headers,
      body: Buffer.concat(chunks),
      truncated,
    };
  }

  private blocked(error: BlockedAddressError): SpoolError {
    return new SpoolError(
      'fetch.blocked_address',
      `Spool does not fetch ${error.host}: it resolves to ${error.address}, a ${error.reason} address that is not on the public internet.`,
      'invalid',
      { host: error.host, address: error.address, reason: error.reason },
    );
  }

  private translate(error: unknown, url: URL): SpoolError {
    if (error instanceof SpoolError) return error;
    if (error instanceof BlockedAddressError) return this.blocked(error);
    const name = error instanceof Error ? error.name : '';
    const code = (error as { code?: string } | null)?.code;
    if (name === 'TimeoutError' || name === 'AbortError' || code === 'ABORT_ERR') {
      return new SpoolError('fetch.timeout', `${url.host} did not answer in time.`, 'invalid', {
        host: url.host,
      });
    }
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EINVAL') {
      return new SpoolError('fetch.host_not_found', `There is no server named ${url.hostname}.`, 'invalid', {
        host: url.hostname,
      });
    }
    return new SpoolError(
      'fetch.failed',
      `Could not fetch ${url.host}: ${code ?? name ?? 'connection failed'}.`,
      'invalid',
      {
        host: url.host,
      },
    );
  }
}

function decoderFor(
  encoding: string | undefined,
): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}
