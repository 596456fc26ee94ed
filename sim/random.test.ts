import { describe, expect, it } from 'vitest';
import { FaultEngine } from './faults.ts';
import { logNormalParameters, SeededRandom } from './random.ts';

describe('SeededRandom', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const a = new SeededRandom(3);
    const b = new SeededRandom(3);
    const c = new SeededRandom(4);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(seqA);
    expect(seqA.every((v) => v >= 0 && v < 1)).toBe(true);
  });

  it('draws log-normal latencies with the asked median and p99', () => {
    const engine = new FaultEngine(11, {
      global: { latency: { kind: 'lognormal', medianMs: 100, p99Ms: 400 } },
    });
    const subject = { network: 'x', account: null, isWrite: true, authenticated: true, now: 0 };
    const samples = Array.from({ length: 50_000 }, () => engine.latencyMs(subject)).sort((p, q) => p - q);
    expect(samples[25_000]).toBeGreaterThan(95);
    expect(samples[25_000]).toBeLessThan(105);
    expect(samples[49_500]).toBeGreaterThan(370);
    expect(samples[49_500]).toBeLessThan(430);
    expect(logNormalParameters(100, 100).sigma).toBe(0);
  });

  it('keeps each fault rate over many draws', () => {
    const engine = new FaultEngine(5, { global: { serverErrorRate: 0.1, rateLimitRate: 0.2 } });
    const subject = { network: 'x', account: null, isWrite: true, authenticated: true, now: 0 };
    const counts = { none: 0, serverError: 0, rateLimited: 0 } as Record<string, number>;
    for (let i = 0; i < 20_000; i++) {
      const kind = engine.decide(subject).kind;
      counts[kind] = (counts[kind] ?? 0) + 1;
    }
    expect(counts.serverError! / 20_000).toBeCloseTo(0.1, 1);
    expect(counts.rateLimited! / 20_000).toBeCloseTo(0.2, 1);
  });
});
