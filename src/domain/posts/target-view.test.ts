import { describe, expect, it } from 'vitest';
import { isoTime } from './target-view.ts';

describe('isoTime', () => {
  it('writes what toISOString writes', () => {
    const instants = [
      0,
      Date.UTC(2026, 10, 27, 19, 0, 0, 5),
      Date.UTC(2024, 1, 29, 23, 59, 59, 999),
      Date.UTC(1000, 0, 1),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      Date.UTC(999, 11, 31),
      Date.UTC(10000, 0, 1),
      -62198755200000, // year -1
    ];
    // and a spread of ordinary instants, with every millisecond width
    for (let i = 0; i < 2000; i++) instants.push(Date.UTC(2000, 0, 1) + i * 987_654_321 + (i % 1000));
    for (const t of instants) expect(isoTime(new Date(t))).toBe(new Date(t).toISOString());
  });
});
