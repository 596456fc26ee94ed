import { describe, expect, it } from 'vitest';
import { displayPrefix, hashToken, newToken } from './tokens.ts';

describe('tokens', () => {
  it('shows only the kind and four characters of the secret, even when the secret contains "_"', () => {
    expect(displayPrefix('spool_pat_U80ApYKlVLA0Jmaaw_r35nYLqCGabc')).toBe('spool_pat_U80A…');
    for (let i = 0; i < 200; i++) {
      const token = newToken('pat');
      const shown = displayPrefix(token);
      expect(shown).toMatch(/^spool_pat_.{4}…$/);
      expect(token.startsWith(shown.slice(0, -1))).toBe(true);
    }
  });

  it('makes 256-bit tokens and stores only their SHA-256', () => {
    const a = newToken('ses');
    expect(a).toMatch(/^spool_ses_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(newToken('ses'));
    expect(hashToken(a)).toHaveLength(32);
    expect(hashToken(a).toString('utf8')).not.toContain('spool_');
  });
});
