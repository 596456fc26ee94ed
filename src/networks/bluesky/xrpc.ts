import type { JWK } from 'jose';
import { type Dispatcher, request } from 'undici';
import type { NetworkFailure } from '../http-client.ts';
import { assertPublicHost, BlockedAddressError } from './guarded-dispatcher.ts';
import { dpopProof, nonceFor, rememberNonce, wantsNonce } from './oauth/dpop.ts';

/**
 * A small XRPC client (AT Protocol's HTTP calls: GET for queries, POST for procedures) with the
 * distinction the publisher needs: a request that never left (`not_sent`) may be retried blindly,
 * one that may have reached the PDS (`maybe_sent`) only idempotently.
 */
export interface XrpcResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body (or the text when it is not JSON). */
  body: unknown;
  /** The XRPC error name (`InvalidSwap`, `ExpiredToken`, ...) of an error response. */
  error: string | undefined;
  message: string | undefined;
}

export type XrpcFailure = NetworkFailure & { blocked?: boolean };

export interface XrpcSettings {
  dispatcher: Dispatcher;
  allowPrivateAddresses: boolean;
  timeoutMs: number;
}

export interface CallOptions {
  token?: string | undefined;
  /** The session's DPoP key when the token came from OAuth (sent as `DPoP`, not `Bearer`). */
  dpopKey?: JWK | undefined;
  signal?: AbortSignal | undefined;
}

const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export class XrpcClient {
  private readonly base: URL;

  constructor(
    service: string,
    private readonly settings: XrpcSettings,
  ) {
    this.base = new URL(service.endsWith('/') ? service : `${service}/`);
  }

  get service(): string {
    return this.base.href.replace(/\/$/, '');
  }

  query(nsid: string, params: Record<string, string | undefined>, options: CallOptions = {}) {
    const url = this.url(nsid);
    for (const [key, value] of Object.entries(params))
      if (value !== undefined) url.searchParams.set(key, value);
    return this.send('GET', url, undefined, undefined, options);
  }

  /** POSTs a JSON input; a procedure without input (refreshSession) sends no body. */
  procedure(nsid: string, input: unknown, options: CallOptions = {}) {
    if (input === undefined) return this.send('POST', this.url(nsid), undefined, undefined, options);
    return this.send('POST', this.url(nsid), JSON.stringify(input), 'application/json', options);
  }

  /** POSTs raw bytes (uploadBlob). */
  upload(nsid: string, bytes: Buffer, mimeType: string, options: CallOptions = {}) {
    return this.send('POST', this.url(nsid), bytes, mimeType, options);
  }

  private url(nsid: string): URL {
    return new URL(`xrpc/${nsid}`, this.base);
  }

  private async send(
    method: 'GET' | 'POST',
    url: URL,
    body: string | Buffer | undefined,
    contentType: string | undefined,
    options: CallOptions,
  ): Promise<XrpcResponse | XrpcFailure> {
    try {
      assertPublicHost(url, this.settings.allowPrivateAddresses);
      let response = await this.exchange(method, url, body, contentType, options);
      // A DPoP nonce the server has not seen yet: it refused before doing anything, so once more.
      if (options.dpopKey && wantsNonce(response.status, response.headers, response.body)) {
        response = await this.exchange(method, url, body, contentType, options);
      }
      return response;
    } catch (error) {
      return failureOf(error);
    }
  }

  private async exchange(
    method: 'GET' | 'POST',
    url: URL,
    body: string | Buffer | undefined,
    contentType: string | undefined,
    options: CallOptions,
  ): Promise<XrpcResponse> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (contentType) headers['content-type'] = contentType;
    if (options.token && options.dpopKey) {
      headers.authorization = `DPoP ${options.token}`;
      headers.dpop = await dpopProof(options.dpopKey, {
        method,
        url: url.href,
        nonce: nonceFor(url.href),
        accessToken: options.token,
      });
    } else if (options.token) {
      headers.authorization = `Bearer ${options.token}`;
    }
    const res = await request(url, {
      method,
      headers,
      body,
      dispatcher: this.settings.dispatcher,
      headersTimeout: this.settings.timeoutMs,
      bodyTimeout: this.settings.timeoutMs,
      signal: options.signal,
    });
    if (options.dpopKey) rememberNonce(url.href, res.headers);
    const text = await res.body.text();
    let parsed: unknown = text;
    if (String(res.headers['content-type'] ?? '').includes('json') && text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    const error =
      typeof parsed === 'object' && parsed !== null ? (parsed as { error?: unknown; message?: unknown }) : {};
    return {
      status: res.statusCode,
      headers: res.headers,
      body: parsed,
      error: res.statusCode >= 400 && typeof error.error === 'string' ? error.error : undefined,
      message: res.statusCode >= 400 && typeof error.message === 'string' ? error.message : undefined,
    };
  }
}

export function isXrpcFailure(result: XrpcResponse | XrpcFailure): result is XrpcFailure {
  return 'delivery' in result;
}

function failureOf(error: unknown): XrpcFailure {
  const blocked = findBlocked(error);
  if (blocked) return { delivery: 'not_sent', reason: blocked.message, blocked: true };
  const code = (error as { code?: string }).code ?? (error as Error).name;
  const causeCode = (error as { cause?: { code?: string } }).cause?.code;
  const notSent = CONNECT_ERRORS.has(code) || (causeCode !== undefined && CONNECT_ERRORS.has(causeCode));
  return { delivery: notSent ? 'not_sent' : 'maybe_sent', reason: `${code}: ${(error as Error).message}` };
}

function findBlocked(error: unknown): BlockedAddressError | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof BlockedAddressError) return e;
  }
  return undefined;
}

/** What a person reads when the PDS refused: its message, else its error name, else the status. */
export function describeXrpcError(res: XrpcResponse): string {
  return res.message ?? res.error ?? `HTTP ${res.status}`;
}
