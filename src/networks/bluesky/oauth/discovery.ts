import { z } from 'zod';
import { isFailure, sendRequest } from '../../http-client.ts';
import { assertPublicHost } from '../guarded-dispatcher.ts';
import type { XrpcSettings } from '../xrpc.ts';

/**
 * Finding an account's authorization server the way AT Protocol OAuth prescribes: handle → DID
 * (asked of the service the person named) → DID document (PLC directory or did:web) → the PDS →
 * its protected-resource metadata → the authorization server's metadata. Every address comes from
 * someone else's server, so every request goes through the PDS SSRF rules.
 */
export type OAuthFailureKind = 'unreachable' | 'blocked' | 'not_a_pds' | 'rejected' | 'no_such_handle';

export class BlueskyOAuthError extends Error {
  constructor(
    readonly kind: OAuthFailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'BlueskyOAuthError';
  }
}

export interface AuthorizationServer {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  parEndpoint: string;
  revocationEndpoint: string | undefined;
}

export interface Identity {
  did: string;
  handle: string | undefined;
  pdsUrl: string;
}

const DID = /^did:(plc:[a-z2-7]{24}|web:[a-zA-Z0-9.-]+(%3A[0-9]+)?)$/;

export async function resolveHandle(
  handle: string,
  service: string,
  settings: XrpcSettings,
): Promise<string> {
  const url = new URL('xrpc/com.atproto.identity.resolveHandle', `${service.replace(/\/+$/, '')}/`);
  url.searchParams.set('handle', handle);
  const res = await getJson(url, settings, 'the handle');
  const did = (res.body as { did?: unknown }).did;
  if (res.status === 400 || res.status === 404 || (res.status === 200 && typeof did !== 'string')) {
    throw new BlueskyOAuthError('no_such_handle', `${new URL(service).host} knows no account @${handle}`);
  }
  if (res.status !== 200 || typeof did !== 'string' || !DID.test(did)) {
    throw new BlueskyOAuthError('not_a_pds', `resolving @${handle} answered ${res.status}`);
  }
  return did;
}

const didDocument = z.object({
  id: z.string(),
  alsoKnownAs: z.array(z.string()).optional(),
  service: z.array(z.object({ id: z.string(), type: z.string(), serviceEndpoint: z.unknown() })).optional(),
});

export async function resolveDid(did: string, plcUrl: string, settings: XrpcSettings): Promise<Identity> {
  if (!DID.test(did)) throw new BlueskyOAuthError('rejected', `"${did.slice(0, 100)}" is not an account DID`);
  const url = did.startsWith('did:plc:')
    ? new URL(`${plcUrl.replace(/\/+$/, '')}/${did}`)
    : new URL(`https://${decodeURIComponent(did.slice('did:web:'.length))}/.well-known/did.json`);
  const res = await getJson(url, settings, 'the account’s identity');
  const doc = didDocument.safeParse(res.body);
  if (res.status !== 200 || !doc.success || doc.data.id !== did) {
    throw new BlueskyOAuthError('not_a_pds', `the identity of ${did} could not be read (${res.status})`);
  }
  const pds = doc.data.service?.find(
    (s) => s.id.endsWith('#atproto_pds') && s.type === 'AtprotoPersonalDataServer',
  );
  const endpoint = typeof pds?.serviceEndpoint === 'string' ? httpUrl(pds.serviceEndpoint) : undefined;
  if (!endpoint) throw new BlueskyOAuthError('not_a_pds', `${did} names no PDS`);
  const handle = doc.data.alsoKnownAs?.find((aka) => aka.startsWith('at://'))?.slice('at://'.length);
  return { did, handle, pdsUrl: endpoint };
}

const resourceMetadata = z.object({ authorization_servers: z.array(z.string()).min(1) });
const serverMetadata = z.object({
  issuer: z.string(),
  authorization_endpoint: z.string(),
  token_endpoint: z.string(),
  pushed_authorization_request_endpoint: z.string(),
  revocation_endpoint: z.string().optional(),
  dpop_signing_alg_values_supported: z.array(z.string()).optional(),
});

/** The authorization server that issues tokens for `pdsUrl`, checked as the specification asks. */
export async function authorizationServerFor(
  pdsUrl: string,
  settings: XrpcSettings,
): Promise<AuthorizationServer> {
  const pds = new URL(pdsUrl);
  const resource = await getJson(
    new URL('/.well-known/oauth-protected-resource', pds.origin),
    settings,
    'its sign-in metadata',
  );
  const parsed = resourceMetadata.safeParse(resource.body);
  if (resource.status !== 200 || !parsed.success) {
    throw new BlueskyOAuthError('not_a_pds', `${pds.host} does not offer AT Protocol sign-in (OAuth)`);
  }
  const issuer = httpUrl(parsed.data.authorization_servers[0]!);
  if (!issuer) throw new BlueskyOAuthError('not_a_pds', `${pds.host} names an invalid sign-in server`);
  const metadata = await getJson(
    new URL('/.well-known/oauth-authorization-server', issuer),
    settings,
    'the sign-in server',
  );
  const server = serverMetadata.safeParse(metadata.body);
  // The metadata must describe the server it came from, or anyone could name any token endpoint.
  if (metadata.status !== 200 || !server.success || httpUrl(server.data.issuer) !== issuer) {
    throw new BlueskyOAuthError('not_a_pds', `${new URL(issuer).host} is not a valid sign-in server`);
  }
  const algs = server.data.dpop_signing_alg_values_supported;
  if (algs && !algs.includes('ES256')) {
    throw new BlueskyOAuthError('not_a_pds', `${new URL(issuer).host} does not support DPoP with ES256`);
  }
  return {
    issuer,
    authorizationEndpoint: server.data.authorization_endpoint,
    tokenEndpoint: server.data.token_endpoint,
    parEndpoint: server.data.pushed_authorization_request_endpoint,
    revocationEndpoint: server.data.revocation_endpoint,
  };
}

/** An http(s) URL as its origin-and-path form without a trailing slash, or undefined. */
function httpUrl(raw: string): string | undefined {
  try {
    const url = new URL(raw);
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password)
      return undefined;
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return undefined;
  }
}

async function getJson(url: URL, settings: XrpcSettings, what: string) {
  try {
    assertPublicHost(url, settings.allowPrivateAddresses);
  } catch (error) {
    throw new BlueskyOAuthError('blocked', (error as Error).message);
  }
  const res = await sendRequest(
    { method: 'GET', url: url.href, timeoutMs: Math.min(settings.timeoutMs, 15_000) },
    settings.dispatcher,
  );
  if (isFailure(res)) {
    const blocked = /SPOOL_BLOCKED_ADDRESS|not on the public internet/.test(res.reason);
    throw new BlueskyOAuthError(
      blocked ? 'blocked' : 'unreachable',
      `${url.host} did not answer for ${what} (${res.reason})`,
    );
  }
  return res;
}
