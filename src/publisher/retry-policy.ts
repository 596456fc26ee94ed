/**
 * How long to wait before retrying a publish: exponential backoff with full jitter, capped, within
 * a budget of attempts. Jitter spreads retries of a burst (5,000 posts failing together at 8:00)
 * so they do not hit the network together again.
 */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 2_000,
  maxDelayMs: 10 * 60_000,
};

/** Delay before attempt `attempts + 1`, given `attempts` made so far (≥ 1). */
export function backoffDelayMs(
  policy: RetryPolicy,
  attempts: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempts - 1));
  // Never retry sooner than a tenth of the ceiling, so a burst cannot hammer a failing network.
  return Math.round(ceiling * (0.1 + 0.9 * random()));
}

export function hasAttemptsLeft(policy: RetryPolicy, attempts: number): boolean {
  return attempts < policy.maxAttempts;
}
