/**
 * A small seedable PRNG (sfc32) so that a run with the same seed and the same request order draws
 * the same faults and latencies. Not for anything security related.
 */
export class SeededRandom {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  constructor(seed: number) {
    this.reseed(seed);
  }

  reseed(seed: number): void {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    // Warm up so that close seeds diverge.
    for (let i = 0; i < 15; i++) this.next();
  }

  /** A float in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** A standard normal draw (Box–Muller). */
  normal(): number {
    const u = 1 - this.next(); // (0, 1] so log() stays finite
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick() from an empty list');
    return item;
  }
}

/** z-score of the 99th percentile of the standard normal distribution. */
const Z_P99 = 2.326347874;

/**
 * Parameters of a log-normal distribution with the given median and 99th percentile:
 * median = e^mu, p99 = e^(mu + sigma * z99).
 */
export function logNormalParameters(medianMs: number, p99Ms: number): { mu: number; sigma: number } {
  const mu = Math.log(medianMs);
  const sigma = p99Ms > medianMs ? (Math.log(p99Ms) - mu) / Z_P99 : 0;
  return { mu, sigma };
}
