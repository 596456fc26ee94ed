import { createECDH, createHash, randomUUID } from 'node:crypto';
import { importJWK, type JWK, SignJWT } from 'jose';

/**
 * Spool's own signing keys as a confidential AT Protocol OAuth client (`private_key_jwt`). They are
 * derived from Spool's secret keys, so every API and worker process has the same ones without
 * storing another secret, and a rotated secret key keeps its derived key published (and the
 * sessions started with it working) for as long as it stays among the previous keys.
 */
export interface ClientKeySource {
  deriveKeys(purpose: string): { id: string; key: Buffer }[];
}

/** The order of the P-256 group: a private scalar must be in [1, n-1]. */
const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

export class BlueskyClientKeys {
  private readonly keys: JWK[];

  constructor(source: ClientKeySource) {
    this.keys = source.deriveKeys('bluesky-oauth-client').map(({ id, key }) => ecKey(`spool-${id}`, key));
  }

  /** The key new sessions are started with. */
  get currentKeyId(): string {
    return this.keys[0]!.kid!;
  }

  /** The public keys, as the client metadata document publishes them. */
  publicJwks(): { keys: JWK[] } {
    return {
      keys: this.keys.map(({ kty, crv, x, y, kid }) => ({ kty, crv, x, y, kid, alg: 'ES256', use: 'sig' })),
    };
  }

  has(kid: string): boolean {
    return this.keys.some((key) => key.kid === kid);
  }

  /** A client assertion (RFC 7523) for one token-endpoint request to `audience` (the issuer). */
  async assertion(clientId: string, audience: string, kid: string): Promise<string> {
    const jwk = this.keys.find((key) => key.kid === kid);
    if (!jwk) throw new Error(`the client key ${kid} is no longer configured; reconnect the account`);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(audience)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('60s')
      .sign(await importJWK(jwk, 'ES256'));
  }
}

function ecKey(kid: string, seed: Buffer): JWK {
  // Re-hash until the seed is a valid scalar (all but a 2^-32 chance the first one is).
  let scalar = seed;
  for (;;) {
    const value = BigInt(`0x${scalar.toString('hex')}`);
    if (value > 0n && value < P256_ORDER) break;
    scalar = createHash('sha256').update(scalar).digest();
  }
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(scalar);
  const point = ecdh.getPublicKey(); // 0x04 || x || y
  return {
    kty: 'EC',
    crv: 'P-256',
    x: point.subarray(1, 33).toString('base64url'),
    y: point.subarray(33, 65).toString('base64url'),
    d: scalar.toString('base64url'),
    kid,
    alg: 'ES256',
  };
}
