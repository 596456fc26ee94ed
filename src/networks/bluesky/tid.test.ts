import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isValidTid, recordKeyFor, tidTimestampUs } from './tid.ts';

describe('record keys derived from a target', () => {
  it('are valid TIDs whose time lies in the past', () => {
    const now = BigInt(Date.now()) * 1000n;
    for (let i = 0; i < 2_000; i++) {
      const key = recordKeyFor(randomUUID(), i % 5);
      expect(key).toHaveLength(13);
      expect(isValidTid(key), key).toBe(true);
      const at = tidTimestampUs(key);
      expect(at).toBeGreaterThanOrEqual(1_577_836_800_000_000n);
      expect(at).toBeLessThan(now);
    }
  });

  it('are the same for the same target and part, and differ between parts and targets', () => {
    const target = randomUUID();
    expect(recordKeyFor(target, 0)).toBe(recordKeyFor(target, 0));
    const keys = new Set<string>();
    for (let i = 0; i < 10_000; i++) keys.add(recordKeyFor(i % 2 ? target : randomUUID(), i));
    expect(keys.size).toBe(10_000);
  });

  it('never contain what the PDS refuses as a slur', () => {
    for (let i = 0; i < 20_000; i++) expect(recordKeyFor(`t${i}`, 0)).not.toMatch(/n[ilo4a][gq]{2}/);
  });

  it('keep a known value (a change would re-publish every pending retry under new keys)', () => {
    expect(recordKeyFor('00000000-0000-4000-8000-000000000000', 0)).toBe('3jfifgxznwapi');
    expect(recordKeyFor('00000000-0000-4000-8000-000000000000', 1)).toBe('3hx3tbunrwc22');
    expect(isValidTid('3jzfcijpj2z2a')).toBe(true);
    expect(isValidTid('kjzfcijpj2z2a')).toBe(false);
    expect(isValidTid('3jzfcijpj2z2')).toBe(false);
  });
});
