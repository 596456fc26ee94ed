import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSecretKey, parseSecretKey, SecretBox } from './secret-box.ts';

describe('SecretBox', () => {
  const k1 = randomBytes(32);
  const k2 = randomBytes(32);

  it('seals and opens, never storing the plaintext', () => {
    const box = new SecretBox(k1);
    const sealed = box.seal('xoxp-social-token', 'channel:1');
    expect(sealed).not.toContain('xoxp');
    expect(sealed.startsWith(`v1.${box.currentKeyId}.`)).toBe(true);
    expect(box.open(sealed, 'channel:1')).toBe('xoxp-social-token');
  });

  it('uses a fresh IV every time', () => {
    const box = new SecretBox(k1);
    expect(box.seal('same')).not.toBe(box.seal('same'));
  });

  it('refuses a value moved to another context or tampered with', () => {
    const box = new SecretBox(k1);
    const sealed = box.seal('token', 'channel:1');
    expect(() => box.open(sealed, 'channel:2')).toThrow();
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    expect(() =>
      box.open([...parts.slice(0, 3), body.toString('base64url')].join('.'), 'channel:1'),
    ).toThrow();
  });

  it('opens values sealed with a previous key and reports them stale', () => {
    const old = new SecretBox(k1);
    const sealed = old.seal('token');
    const rotated = new SecretBox(k2, [k1]);
    expect(rotated.open(sealed)).toBe('token');
    expect(rotated.isStale(sealed)).toBe(true);
    expect(rotated.isStale(rotated.seal('token'))).toBe(false);
    expect(() => new SecretBox(k2).open(sealed)).toThrow(/not configured/);
  });

  it('parses keys in hex and base64url, and rejects other lengths', () => {
    expect(parseSecretKey(k1.toString('hex'))).toEqual(k1);
    expect(parseSecretKey(generateSecretKey())).toHaveLength(32);
    expect(parseSecretKey('short')).toBeUndefined();
  });
});
