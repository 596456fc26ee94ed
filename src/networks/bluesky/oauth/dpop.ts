import { createHash, randomUUID } from 'node:crypto';
import { type CryptoKey, exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';

/**
 * DPoP (RFC 9449): AT Protocol OAuth binds every token to a key pair the client made for that
 * session, and every request carries a fresh proof signed with it. A stolen access token is useless
 * without the private key, which Spool keeps sealed with the channel's other credentials.
 */
export async function generateDpopKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), alg: 'ES256' };
}

export interface DpopRequest {
  method: string;
  url: string;
  nonce?: string | undefined;
  /** A resource request's access token, bound into the proof by its hash (`ath`). */
  accessToken?: string | undefined;
}

export async function dpopProof(privateJwk: JWK, request: DpopRequest): Promise<string> {
  const key = await signingKey(privateJwk);
  const htu = new URL(request.url);
  htu.search = '';
  htu.hash = '';
  return new SignJWT({
    jti: randomUUID(),
    htm: request.method,
    htu: htu.href,
    ...(request.nonce ? { nonce: request.nonce } : {}),
    ...(request.accessToken
      ? { ath: createHash('sha256').update(request.accessToken).digest('base64url') }
      : {}),
  })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: publicPart(privateJwk) })
    .setIssuedAt()
    .sign(key);
}

/** The public half of an EC key, as the proof's header carries it. */
export function publicPart(jwk: JWK): JWK {
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } as JWK;
}

const importedKeys = new Map<string, Promise<CryptoKey | Uint8Array>>();

/** Keys are imported once per process (a worker signs a proof for every request of a publish). */
function signingKey(jwk: JWK): Promise<CryptoKey | Uint8Array> {
  const cacheKey = `${jwk.x}.${jwk.y}`;
  let key = importedKeys.get(cacheKey);
  if (!key) {
    if (importedKeys.size >= 5_000) importedKeys.clear();
    key = importJWK(jwk, 'ES256');
    importedKeys.set(cacheKey, key);
  }
  return key;
}

/**
 * The last nonce each server handed out, by origin. Servers rotate nonces every few minutes; a
 * stale one costs a single retry, so they live in memory only.
 */
const nonces = new Map<string, string>();

export function nonceFor(url: string): string | undefined {
  return nonces.get(new URL(url).origin);
}

export function rememberNonce(url: string, headers: Record<string, string | string[] | undefined>): void {
  const value = headers['dpop-nonce'];
  const nonce = Array.isArray(value) ? value[0] : value;
  if (!nonce) return;
  if (nonces.size >= 10_000) nonces.clear();
  nonces.set(new URL(url).origin, nonce);
}

/** Whether a response asks for the request again with the nonce it just gave. */
export function wantsNonce(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: unknown,
): boolean {
  if (!headers['dpop-nonce']) return false;
  // An authorization server answers 400 {"error":"use_dpop_nonce"}; a resource server answers 401
  // with `WWW-Authenticate: DPoP error="use_dpop_nonce"`.
  if (status === 400 && (body as { error?: unknown } | undefined)?.error === 'use_dpop_nonce') return true;
  const challenge = String(headers['www-authenticate'] ?? '');
  return status === 401 && challenge.includes('use_dpop_nonce');
}
