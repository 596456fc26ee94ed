import { randomBytes } from 'node:crypto';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../../security/secret-box.ts';
import { BlueskyClientKeys } from './client-keys.ts';
import { dpopProof, generateDpopKey } from './dpop.ts';

describe('Bluesky OAuth client keys', () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);

  it('derives the same key in every process from the same secret key, and another from another', () => {
    const a = new BlueskyClientKeys(new SecretBox(k1)).publicJwks().keys;
    const b = new BlueskyClientKeys(new SecretBox(k1)).publicJwks().keys;
    const c = new BlueskyClientKeys(new SecretBox(k2)).publicJwks().keys;
    expect(a).toEqual(b);
    expect(a[0]!.x).not.toBe(c[0]!.x);
    expect(JSON.stringify(a)).not.toContain('"d"');
  });

  it('keeps publishing the previous key after a rotation, and signs new sessions with the current one', async () => {
    const before = new BlueskyClientKeys(new SecretBox(k1));
    const after = new BlueskyClientKeys(new SecretBox(k2, [k1]));
    expect(after.publicJwks().keys.map((k) => k.kid)).toEqual([after.currentKeyId, before.currentKeyId]);
    expect(after.has(before.currentKeyId)).toBe(true);

    // An assertion signed with the old key still verifies against the published old public key.
    const assertion = await after.assertion(
      'https://spool.example.org/c.json',
      'https://pds.example.org',
      before.currentKeyId,
    );
    const old = before.publicJwks().keys[0]!;
    const { payload } = await jwtVerify(assertion, await importJWK(old, 'ES256'), {
      issuer: 'https://spool.example.org/c.json',
      subject: 'https://spool.example.org/c.json',
      audience: 'https://pds.example.org',
    });
    expect(payload.jti).toEqual(expect.any(String));
    expect(decodeProtectedHeader(assertion).kid).toBe(before.currentKeyId);
    await expect(
      new BlueskyClientKeys(new SecretBox(k2)).assertion('c', 'a', before.currentKeyId),
    ).rejects.toThrow(/no longer configured/);
  });

  it('signs DPoP proofs bound to the method, the URL without its query, the nonce and the token', async () => {
    const key = await generateDpopKey();
    const proof = await dpopProof(key, {
      method: 'POST',
      url: 'https://pds.example.org/xrpc/com.atproto.repo.putRecord?x=1#frag',
      nonce: 'n-1',
      accessToken: 'token',
    });
    const header = decodeProtectedHeader(proof);
    expect(header).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256' } });
    expect(JSON.stringify(header.jwk)).not.toContain('"d"');
    const { payload } = await jwtVerify(proof, await importJWK(header.jwk!, 'ES256'));
    expect(payload).toMatchObject({
      htm: 'POST',
      htu: 'https://pds.example.org/xrpc/com.atproto.repo.putRecord',
      nonce: 'n-1',
      // base64url(sha256("token"))
      ath: 'PEaenWxYddN6Q_NT1PiOYfz4EsZu7jRXRlpAsNpBU-A',
    });
  });
});
