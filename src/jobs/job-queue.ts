import PgBoss from 'pg-boss';
import type { Logger } from '../logger.ts';

/**
 * Background jobs other than publishing (webhook deliveries, emails, digests, metric polling) run
 * on pg-boss in the same PostgreSQL (DESIGN decision 2): its job expiry hands the jobs of a killed
 * worker to another, and retries with backoff are built in.
 */
export interface JobOptions {
  retryLimit?: number;
  retryDelaySeconds?: number;
  retryBackoff?: boolean;
  expireInSeconds?: number;
  startAfter?: Date;
  singletonKey?: string;
}

/**
 * Several processes starting together create pg-boss's schema and queues at the same moment, which
 * PostgreSQL may answer with a deadlock or a duplicate-object error for all but one: try again.
 */
async function retryOnConflict<T>(task: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      const code = (error as { code?: string }).code;
      const retriable = code === '40P01' || code === '23505' || code === '42P07' || code === '42710';
      if (!retriable || attempt >= attempts) throw error;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 200 * attempt));
    }
  }
}

export type JobHandler<T> = (data: T, meta: { id: string; retryCount: number }) => Promise<void>;

export class JobQueue {
  private readonly queues = new Set<string>();

  private constructor(
    private readonly boss: PgBoss,
    private readonly log: Logger,
  ) {}

  static async start(databaseUrl: string, log: Logger): Promise<JobQueue> {
    const boss = new PgBoss({
      connectionString: databaseUrl,
      schema: 'pgboss',
      max: 3,
      application_name: 'spool-jobs',
      // Jobs are kept a week for inspection; the delivery logs keep their own history.
      retentionDays: 7,
      deleteAfterDays: 7,
    });
    boss.on('error', (error) => log.error({ err: error }, 'job queue error'));
    await retryOnConflict(() => boss.start());
    return new JobQueue(boss, log.child({ component: 'jobs' }));
  }

  private async ensureQueue(name: string): Promise<void> {
    if (this.queues.has(name)) return;
    await retryOnConflict(() =>
      this.boss.createQueue(name).catch((error: Error) => {
        if (!/already exists/i.test(error.message)) throw error;
      }),
    );
    this.queues.add(name);
  }

  async send<T extends object>(name: string, data: T, options: JobOptions = {}): Promise<string | null> {
    await this.ensureQueue(name);
    return this.boss.send(name, data, {
      ...(options.retryLimit !== undefined ? { retryLimit: options.retryLimit } : {}),
      ...(options.retryDelaySeconds !== undefined ? { retryDelay: options.retryDelaySeconds } : {}),
      ...(options.retryBackoff !== undefined ? { retryBackoff: options.retryBackoff } : {}),
      ...(options.expireInSeconds !== undefined ? { expireInSeconds: options.expireInSeconds } : {}),
      ...(options.startAfter ? { startAfter: options.startAfter } : {}),
      ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
    });
  }

  async work<T>(
    name: string,
    handler: JobHandler<T>,
    options: { batchSize?: number; pollingIntervalSeconds?: number } = {},
  ) {
    await this.ensureQueue(name);
    await this.boss.work<T>(
      name,
      {
        batchSize: options.batchSize ?? 5,
        pollingIntervalSeconds: options.pollingIntervalSeconds ?? 1,
        includeMetadata: true,
      },
      async (jobs) => {
        // A failed job throws, so pg-boss retries it with its backoff; the others still complete.
        const results = await Promise.allSettled(
          jobs.map((job) => handler(job.data, { id: job.id, retryCount: job.retryCount })),
        );
        const failed = results.filter((r) => r.status === 'rejected');
        for (const f of failed)
          this.log.warn({ err: (f as PromiseRejectedResult).reason, queue: name }, 'job failed');
        if (failed.length > 0 && jobs.length === 1) throw (failed[0] as PromiseRejectedResult).reason;
        for (const [i, r] of results.entries()) {
          if (r.status === 'rejected' && jobs.length > 1)
            await this.boss.fail(name, jobs[i]!.id, { message: String(r.reason) });
        }
      },
    );
  }

  async stop(): Promise<void> {
    await this.boss.stop({ graceful: true, timeout: 5_000 });
  }
}
