import { describeXrpcError, isXrpcFailure, XrpcClient, type XrpcSettings } from './xrpc.ts';

/**
 * Bluesky sessions made from a handle and an app password (`com.atproto.server.createSession`), and
 * their refresh. The access token lives about two hours; the refresh token about two months, and a
 * refresh replaces both.
 */
export const DEFAULT_SERVICE = 'https://bsky.social';

export interface BlueskySessionTokens {
  did: string;
  handle: string;
  accessJwt: string;
  refreshJwt: string;
  /** The account's own PDS from its DID document, when the server says (bsky.social's entryway does). */
  pdsUrl: string | undefined;
  /**
   * The session was made with the account's own password (scope com.atproto.access): full access,
   * including account settings, which Spool does not want to hold.
   */
  fullAccess: boolean;
}

/** Why a session could not be made, in terms the connect flow turns into a message. */
export type SessionFailure =
  | { kind: 'unreachable'; reason: string }
  | { kind: 'blocked'; reason: string }
  | { kind: 'rejected'; reason: string }
  | { kind: 'rate_limited'; reason: string }
  | { kind: 'not_a_pds'; reason: string };

export async function createSession(
  service: string,
  identifier: string,
  password: string,
  settings: XrpcSettings,
): Promise<BlueskySessionTokens | SessionFailure> {
  const xrpc = new XrpcClient(service, settings);
  const res = await xrpc.procedure('com.atproto.server.createSession', { identifier, password });
  if (isXrpcFailure(res)) return { kind: res.blocked ? 'blocked' : 'unreachable', reason: res.reason };
  if (res.status === 429) return { kind: 'rate_limited', reason: describeXrpcError(res) };
  if (res.status === 401 || res.status === 400) {
    if (res.error) return { kind: 'rejected', reason: describeXrpcError(res) };
  }
  const body = res.body as Partial<{
    did: string;
    handle: string;
    accessJwt: string;
    refreshJwt: string;
    didDoc: unknown;
  }>;
  if (res.status !== 200 || typeof body !== 'object' || !body.did || !body.accessJwt || !body.refreshJwt) {
    return { kind: 'not_a_pds', reason: `it answered ${res.status} without a session` };
  }
  return {
    did: body.did,
    handle: body.handle ?? identifier,
    accessJwt: body.accessJwt,
    refreshJwt: body.refreshJwt,
    pdsUrl: pdsEndpoint(body.didDoc),
    fullAccess: jwtClaims(body.accessJwt).scope === 'com.atproto.access',
  };
}

export async function refreshSession(
  service: string,
  refreshJwt: string,
  settings: XrpcSettings,
): Promise<Pick<BlueskySessionTokens, 'accessJwt' | 'refreshJwt' | 'handle'>> {
  const xrpc = new XrpcClient(service, settings);
  const res = await xrpc.procedure('com.atproto.server.refreshSession', undefined, { token: refreshJwt });
  if (isXrpcFailure(res))
    throw new Error(`could not reach ${xrpc.service} to refresh the session: ${res.reason}`);
  const body = res.body as Partial<{ accessJwt: string; refreshJwt: string; handle: string }>;
  if (res.status !== 200 || !body.accessJwt || !body.refreshJwt) {
    throw new Error(`Bluesky refused to refresh the session: ${describeXrpcError(res)}`);
  }
  return { accessJwt: body.accessJwt, refreshJwt: body.refreshJwt, handle: body.handle ?? '' };
}

/** The access token's expiry as an ISO time (undefined when the token does not say). */
export function jwtExpiry(jwt: string): string | undefined {
  const exp = jwtClaims(jwt).exp;
  return typeof exp === 'number' ? new Date(exp * 1000).toISOString() : undefined;
}

/** The claims of a JWT, read without verifying it (only the PDS that issued it can). */
function jwtClaims(jwt: string): Record<string, unknown> {
  try {
    const claims: unknown = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function pdsEndpoint(didDoc: unknown): string | undefined {
  const services = (didDoc as { service?: unknown } | undefined)?.service;
  if (!Array.isArray(services)) return undefined;
  for (const service of services as { id?: unknown; type?: unknown; serviceEndpoint?: unknown }[]) {
    if (typeof service.id !== 'string' || !service.id.endsWith('#atproto_pds')) continue;
    if (service.type !== 'AtprotoPersonalDataServer' || typeof service.serviceEndpoint !== 'string') continue;
    try {
      const url = new URL(service.serviceEndpoint);
      if (url.protocol === 'https:' || url.protocol === 'http:') return url.href.replace(/\/$/, '');
    } catch {
      // not a URL: ignore it and keep using the service the account signed in with
    }
  }
  return undefined;
}
