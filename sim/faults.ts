import { z } from 'zod';
import { logNormalParameters, SeededRandom } from './random.ts';

/**
 * The fault engine: which latency and which failure a request to a simulated network gets.
 * Settings layer global → per network → per account, field by field (the most specific wins).
 */

const rate = z.number().min(0).max(1);

export const latencySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fixed'), ms: z.number().min(0) }),
  z.strictObject({
    kind: z.literal('lognormal'),
    medianMs: z.number().positive(),
    p99Ms: z.number().positive(),
  }),
]);

export const faultConfigSchema = z.strictObject({
  /** Delay before the request is handled. */
  latency: latencySchema.optional(),
  /** Probability of a 500, 502 or 503 (nothing stored). */
  serverErrorRate: rate.optional(),
  /** Probability of a 429 with Retry-After and the network's rate-limit headers (nothing stored). */
  rateLimitRate: rate.optional(),
  /** Retry-After of injected 429s, in seconds. */
  retryAfterSeconds: z.number().int().min(0).optional(),
  /** Probability that the request is handled (the post IS stored) but no response ever comes back. */
  timeoutAfterStoreRate: rate.optional(),
  /** How long such a request hangs before its connection is destroyed. */
  hangMs: z.number().int().min(0).optional(),
  /** Probability that the connection is destroyed before anything is stored. */
  dropBeforeStoreRate: rate.optional(),
  /** Probability that the presented access token expires now (401 until a new token is used). */
  expiredTokenRate: rate.optional(),
  /** A real per-account quota per network: the (limit + 1)th request in a window gets a 429. */
  quota: z
    .strictObject({ limit: z.number().int().positive(), windowSeconds: z.number().positive() })
    .optional(),
  /** `writes` confines the probabilistic faults (not latency, not quota) to non-GET requests. */
  scope: z.enum(['all', 'writes']).optional(),
});

export const faultSettingsSchema = z.strictObject({
  global: faultConfigSchema.optional(),
  /** Keyed by network name (`mastodon`, `x`). */
  networks: z.record(z.string(), faultConfigSchema).optional(),
  /** Keyed by account id or username. */
  accounts: z.record(z.string(), faultConfigSchema).optional(),
  /** Reseeds the PRNG when given. */
  seed: z.number().int().optional(),
});

export type LatencySpec = z.infer<typeof latencySchema>;
export type FaultConfig = z.infer<typeof faultConfigSchema>;
export type FaultSettings = z.infer<typeof faultSettingsSchema>;

export type FaultKind =
  | 'dropBeforeStore'
  | 'serverError'
  | 'rateLimited'
  | 'timeoutAfterStore'
  | 'expiredToken';

export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'dropBeforeStore' }
  | { kind: 'serverError'; status: 500 | 502 | 503 }
  | { kind: 'rateLimited'; retryAfterSeconds: number; limit: number; remaining: number; resetAtMs: number }
  | { kind: 'timeoutAfterStore'; hangMs: number }
  | { kind: 'expiredToken' };

const NONE: FaultDecision = { kind: 'none' };
const SERVER_ERRORS = [500, 502, 503] as const;
const DEFAULT_HANG_MS = 30_000;
const DEFAULT_RETRY_AFTER_S = 30;

/** A fault config with every field resolved and the latency parameters precomputed. */
interface Effective {
  latency: { fixed: number } | { mu: number; sigma: number } | null;
  serverErrorRate: number;
  rateLimitRate: number;
  retryAfterSeconds: number;
  timeoutAfterStoreRate: number;
  hangMs: number;
  dropBeforeStoreRate: number;
  expiredTokenRate: number;
  quota: { limit: number; windowMs: number } | null;
  writesOnly: boolean;
  anyProbabilistic: boolean;
}

export interface FaultSubject {
  network: string;
  /** Present once the bearer token is resolved. */
  account: { id: string; username: string } | null;
  isWrite: boolean;
  /** Whether the route takes a bearer token (an expiry only makes sense there). */
  authenticated: boolean;
  now: number;
}

export class FaultEngine {
  private settings: FaultSettings = {};
  private readonly cache = new Map<string, Effective>();
  private readonly quotaWindows = new Map<string, { startMs: number; count: number }>();
  readonly random: SeededRandom;

  constructor(seed: number, settings: FaultSettings = {}) {
    this.random = new SeededRandom(seed);
    this.set(settings);
  }

  /** Replaces every fault setting (validate with `faultSettingsSchema` first). */
  set(settings: FaultSettings): void {
    this.settings = settings;
    this.cache.clear();
    this.quotaWindows.clear();
    if (settings.seed !== undefined) this.random.reseed(settings.seed);
  }

  get(): FaultSettings {
    return this.settings;
  }

  latencyMs(subject: FaultSubject): number {
    const latency = this.effective(subject).latency;
    if (latency === null) return 0;
    if ('fixed' in latency) return latency.fixed;
    return Math.exp(latency.mu + latency.sigma * this.random.normal());
  }

  decide(subject: FaultSubject): FaultDecision {
    const e = this.effective(subject);
    if (e.quota !== null && subject.account !== null) {
      const limited = this.consumeQuota(subject, e.quota);
      if (limited !== null) return limited;
    }
    if (!e.anyProbabilistic || (e.writesOnly && !subject.isWrite)) return NONE;
    // One draw over stacked ranges: the kinds are mutually exclusive and each keeps its own rate.
    const r = this.random.next();
    let edge = e.dropBeforeStoreRate;
    if (r < edge) return { kind: 'dropBeforeStore' };
    edge += e.serverErrorRate;
    if (r < edge) return { kind: 'serverError', status: this.random.pick(SERVER_ERRORS) };
    edge += e.rateLimitRate;
    if (r < edge) {
      const limit = e.quota?.limit ?? 300;
      const resetAtMs = subject.now + e.retryAfterSeconds * 1000;
      return { kind: 'rateLimited', retryAfterSeconds: e.retryAfterSeconds, limit, remaining: 0, resetAtMs };
    }
    edge += e.timeoutAfterStoreRate;
    if (r < edge) return { kind: 'timeoutAfterStore', hangMs: e.hangMs };
    edge += e.expiredTokenRate;
    if (subject.authenticated && r < edge) return { kind: 'expiredToken' };
    return NONE;
  }

  private consumeQuota(
    subject: FaultSubject,
    quota: { limit: number; windowMs: number },
  ): FaultDecision | null {
    const key = `${subject.network}\u0000${subject.account?.id}`;
    let window = this.quotaWindows.get(key);
    if (window === undefined || subject.now - window.startMs >= quota.windowMs) {
      window = { startMs: subject.now, count: 0 };
      this.quotaWindows.set(key, window);
    }
    window.count++;
    if (window.count <= quota.limit) return null;
    const resetAtMs = window.startMs + quota.windowMs;
    return {
      kind: 'rateLimited',
      retryAfterSeconds: Math.max(1, Math.ceil((resetAtMs - subject.now) / 1000)),
      limit: quota.limit,
      remaining: 0,
      resetAtMs,
    };
  }

  private effective(subject: FaultSubject): Effective {
    const account = subject.account;
    const key = account === null ? subject.network : `${subject.network}\u0000${account.id}`;
    let e = this.cache.get(key);
    if (e === undefined) {
      const accounts = this.settings.accounts;
      const perAccount =
        account === null ? undefined : (accounts?.[account.id] ?? accounts?.[account.username]);
      e = resolve({ ...this.settings.global, ...this.settings.networks?.[subject.network], ...perAccount });
      this.cache.set(key, e);
    }
    return e;
  }
}

function resolve(c: FaultConfig): Effective {
  const e: Effective = {
    latency: resolveLatency(c.latency),
    serverErrorRate: c.serverErrorRate ?? 0,
    rateLimitRate: c.rateLimitRate ?? 0,
    retryAfterSeconds: c.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_S,
    timeoutAfterStoreRate: c.timeoutAfterStoreRate ?? 0,
    hangMs: c.hangMs ?? DEFAULT_HANG_MS,
    dropBeforeStoreRate: c.dropBeforeStoreRate ?? 0,
    expiredTokenRate: c.expiredTokenRate ?? 0,
    quota: c.quota ? { limit: c.quota.limit, windowMs: c.quota.windowSeconds * 1000 } : null,
    writesOnly: c.scope === 'writes',
    anyProbabilistic: false,
  };
  e.anyProbabilistic =
    e.serverErrorRate +
      e.rateLimitRate +
      e.timeoutAfterStoreRate +
      e.dropBeforeStoreRate +
      e.expiredTokenRate >
    0;
  return e;
}

function resolveLatency(spec: LatencySpec | undefined): Effective['latency'] {
  if (spec === undefined) return null;
  if (spec.kind === 'fixed') return spec.ms > 0 ? { fixed: spec.ms } : null;
  return logNormalParameters(spec.medianMs, spec.p99Ms);
}
