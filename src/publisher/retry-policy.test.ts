import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, hasAttemptsLeft } from './retry-policy.ts';

describe('retry policy', () => {
  const policy = { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 30_000 };

  it('grows exponentially and stays within [10%, 100%] of the ceiling', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (n, r) => {
          const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
          const delay = backoffDelayMs(policy, n, () => r);
          return delay >= Math.floor(ceiling * 0.1) && delay <= ceiling;
        },
      ),
    );
    expect(backoffDelayMs(policy, 1, () => 1)).toBe(1_000);
    expect(backoffDelayMs(policy, 3, () => 1)).toBe(4_000);
    expect(backoffDelayMs(policy, 20, () => 1)).toBe(30_000);
  });

  it('spreads a burst of retries instead of sending them together', () => {
    const delays = new Set(Array.from({ length: 100 }, () => backoffDelayMs(policy, 3)));
    expect(delays.size).toBeGreaterThan(50);
  });

  it('stops after the budget', () => {
    expect(hasAttemptsLeft(policy, 4)).toBe(true);
    expect(hasAttemptsLeft(policy, 5)).toBe(false);
    expect(DEFAULT_RETRY_POLICY.maxAttempts).toBeGreaterThan(1);
  });
});
