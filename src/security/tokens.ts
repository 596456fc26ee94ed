import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Secrets handed to clients (session cookies, API tokens, OAuth codes, reset links) are 256-bit
 * random strings with a readable prefix; the database keeps only their SHA-256. A slow hash buys
 * nothing for tokens this random, and a fast one keeps every authenticated request cheap.
 */
export type TokenKind = 'ses' | 'pat' | 'oat' | 'ort' | 'code' | 'reset' | 'inv' | 'cs';

export function newToken(kind: TokenKind): string {
  return `spool_${kind}_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * What a list may show of a token so that a person recognises it: never enough to use it. (The
 * secret part is base64url and may itself contain "_", so the prefix is cut by position.)
 */
export function displayPrefix(token: string): string {
  const match = /^(spool_[a-z]+_)(.+)$/.exec(token);
  return match ? `${match[1]}${match[2]!.slice(0, 4)}…` : `${token.slice(0, 4)}…`;
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
