import { randomUUID } from 'node:crypto';
import type { Sql } from '../db/connection.ts';
import type { Logger } from '../logger.ts';
import type { NetworkRegistry } from '../networks/registry.ts';
import type { ReadinessCheck } from '../runtime/readiness.ts';
import { Batcher } from './batcher.ts';
import {
  type ClaimedTarget,
  claimDueTargets,
  extendLeases,
  nextWakeAt,
  recoverExpiredLeases,
  stillPublishable,
} from './claim.ts';
import type { PublisherMetrics } from './metrics.ts';
import { type AttemptDeps, runAttempt } from './run-attempt.ts';
import { type SettledRow, type Settlement, settleTargets } from './settle.ts';

export interface PublisherSettings {
  /** How long a claim lasts without a heartbeat; a killed worker's posts are recovered after it. */
  leaseMs: number;
  /** Publishes in flight at once in this process. */
  maxInFlight: number;
  /** Targets claimed per round. */
  batchSize: number;
  /** Longest sleep between rounds when nothing is due (NOTIFY and timers wake it sooner). */
  idleWakeMs: number;
}

export const DUE_CHANNEL = 'spool_due';

/**
 * The publishing loop (DESIGN decision 4): claim due targets in batches, publish each through its
 * network's adapter, settle the outcomes in batches. It sleeps until the next due time or a NOTIFY,
 * so a post goes out within a fraction of a second of its time, not at the next minute.
 */
export class Publisher {
  readonly workerId = randomUUID();
  private running = false;
  private inFlight = new Map<string, ClaimedTarget>();
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private lastBeat = Date.now();
  private lastRecovery = 0;
  private readonly recheck: Batcher<ClaimedTarget, boolean>;
  private readonly settler: Batcher<Settlement, SettledRow | undefined>;

  constructor(
    private readonly sql: Sql,
    private readonly networks: NetworkRegistry,
    private readonly attemptDeps: Omit<AttemptDeps, 'stillPublishable' | 'networks' | 'sql'>,
    private readonly metrics: PublisherMetrics,
    private readonly settings: PublisherSettings,
    private readonly log: Logger,
  ) {
    this.recheck = new Batcher(
      async (targets) => {
        const ok = await stillPublishable(sql, targets);
        return targets.map((t) => ok.has(t.id));
      },
      { maxBatch: 500, maxWaitMs: 2 },
    );
    this.settler = new Batcher((items) => settleTargets(sql, items), { maxBatch: 500, maxWaitMs: 5 });
  }

  async start(): Promise<void> {
    this.running = true;
    const listener = await this.sql.listen(DUE_CHANNEL, () => this.wakeUp());
    this.unlisten = () => listener.unlisten();
    this.heartbeat = setInterval(
      () => void this.beat(),
      Math.max(250, Math.floor(this.settings.leaseMs / 3)),
    );
    this.heartbeat.unref();
    this.loopDone = this.loop();
  }

  /** Stops claiming, lets attempts in flight finish (or expire), and settles what finished. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.running = false;
    this.wakeUp();
    await this.loopDone;
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await this.settler.drain();
    clearInterval(this.heartbeat);
    await this.unlisten?.().catch(() => undefined);
  }

  healthCheck(staleAfterMs = 30_000): ReadinessCheck {
    return {
      name: 'publisher',
      run: async () => {
        const age = Date.now() - this.lastBeat;
        return age <= staleAfterMs
          ? { ok: true, detail: `${this.inFlight.size} in flight` }
          : { ok: false, detail: `the publishing loop has not run for ${Math.round(age / 1000)} s` };
      },
    };
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      this.lastBeat = Date.now();
      this.metrics.lastLoopBeat.set(this.lastBeat / 1000);
      let sleepMs = this.settings.idleWakeMs;
      try {
        if (Date.now() - this.lastRecovery > 1_000) {
          this.lastRecovery = Date.now();
          const recovered = await recoverExpiredLeases(this.sql);
          if (recovered > 0) this.log.warn({ recovered }, 'recovered publishes from a worker that stopped');
        }
        const free = this.settings.maxInFlight - this.inFlight.size;
        const wanted = Math.min(free, this.settings.batchSize);
        const claimed = wanted > 0 ? await claimDueTargets(this.sql, wanted, this.settings.leaseMs) : [];
        this.metrics.claims.inc(claimed.length);
        for (const target of claimed) this.dispatch(target);
        if (claimed.length === wanted && wanted > 0) continue; // more may be due right now
        if (free <= 0)
          sleepMs = this.settings.idleWakeMs; // an attempt finishing wakes us
        else {
          const next = await nextWakeAt(this.sql);
          if (next) sleepMs = Math.min(sleepMs, Math.max(0, next.getTime() - Date.now()));
        }
      } catch (error) {
        this.log.error({ err: error }, 'publishing loop failed; retrying');
        sleepMs = 1_000;
      }
      if (!this.running) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, sleepMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private dispatch(target: ClaimedTarget): void {
    this.inFlight.set(target.id, target);
    this.metrics.inFlight.set(this.inFlight.size);
    runAttempt(target, {
      ...this.attemptDeps,
      sql: this.sql,
      networks: this.networks,
      stillPublishable: (t) => this.recheck.submit(t),
    })
      .then((settlement) => this.settler.submit(settlement).then((row) => ({ settlement, row })))
      .then(({ settlement, row }) => {
        if (row?.status === 'published')
          this.metrics.lag.observe({ network: target.network }, row.lagMs / 1000);
        if (row) this.attemptDeps.events.settled(target, settlement);
      })
      .catch((error) =>
        this.log.error({ err: error, targetId: target.id }, 'publish attempt failed to settle'),
      )
      .finally(() => {
        this.inFlight.delete(target.id);
        this.metrics.inFlight.set(this.inFlight.size);
        this.wakeUp();
      });
  }

  private async beat(): Promise<void> {
    const attempts = [...this.inFlight.values()].map((t) => t.attemptId);
    try {
      await extendLeases(this.sql, attempts, this.settings.leaseMs);
    } catch (error) {
      this.log.warn({ err: error }, 'could not extend publish leases');
    }
  }
}
