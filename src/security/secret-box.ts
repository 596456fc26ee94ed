import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Encrypts secrets at rest (social networks' tokens) with AES-256-GCM. Each value names the key it
 * was sealed with, so keys can rotate: new values use the current key, old values still open with a
 * previous key until `spool secrets rotate` re-seals them.
 *   sealed = "v1.<key id>.<iv>.<ciphertext+tag>" (base64url parts)
 */
export class SecretBox {
  private readonly keys = new Map<string, Buffer>();
  readonly currentKeyId: string;

  constructor(current: Buffer, previous: Buffer[] = []) {
    for (const key of [current, ...previous]) {
      if (key.length !== 32) throw new Error('secret keys must be 32 bytes (AES-256)');
      this.keys.set(keyId(key), key);
    }
    this.currentKeyId = keyId(current);
  }

  seal(plaintext: string, context = ''): string {
    const key = this.keys.get(this.currentKeyId)!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    // The context (e.g. "channel:<id>") is authenticated, so a sealed value cannot be moved to another row.
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return ['v1', this.currentKeyId, iv.toString('base64url'), body.toString('base64url')].join('.');
  }

  open(sealed: string, context = ''): string {
    const [version, id, iv, body] = sealed.split('.');
    if (version !== 'v1' || !id || !iv || !body) throw new Error('not a sealed secret');
    const key = this.keys.get(id);
    if (!key) throw new Error(`this secret was sealed with key ${id}, which is not configured`);
    const data = Buffer.from(body, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString(
      'utf8',
    );
  }

  /**
   * Key material for another purpose (e.g. signing keys), derived with HKDF from every configured
   * key, the current one first (the constructor's order): what is derived from a previous key stays usable until it is dropped.
   */
  deriveKeys(purpose: string): { id: string; key: Buffer }[] {
    return [...this.keys].map(([id, key]) => ({
      id,
      key: Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `spool:${purpose}`, 32)),
    }));
  }

  /** True when the value was sealed with an older key and should be re-sealed. */
  isStale(sealed: string): boolean {
    return sealed.split('.')[1] !== this.currentKeyId;
  }
}

export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** Accepts 32 bytes as 64 hex characters or as base64/base64url. */
export function parseSecretKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  const decoded = Buffer.from(trimmed, 'base64url');
  return decoded.length === 32 ? decoded : undefined;
}

export function generateSecretKey(): string {
  return randomBytes(32).toString('base64url');
}
