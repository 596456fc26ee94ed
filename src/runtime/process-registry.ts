import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Sql } from '../db/connection.ts';
import type { Logger } from '../logger.ts';
import type { ReadinessCheck } from './readiness.ts';

export type ProcessRole = 'start' | 'api' | 'worker';

/**
 * Records this process in `spool_processes` and beats its heartbeat, so operators can see what runs
 * where and health checks can tell a stalled background loop from a live one.
 */
export class ProcessRegistration {
  readonly id = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private lastBeat = 0;

  constructor(
    private readonly sql: Sql,
    private readonly role: ProcessRole,
    private readonly version: string,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.sql`
      insert into spool_processes (id, role, hostname, pid, version)
      values (${this.id}, ${this.role}, ${os.hostname()}, ${process.pid}, ${this.version})`;
    this.lastBeat = Date.now();
    this.timer = setInterval(() => void this.beat(), this.intervalMs);
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    try {
      await this.sql`update spool_processes set heartbeat_at = now() where id = ${this.id}`;
      this.lastBeat = Date.now();
    } catch (error) {
      this.log.warn({ err: error }, 'heartbeat failed');
    }
  }

  /** Ready while the heartbeat succeeded within three intervals. */
  healthCheck(): ReadinessCheck {
    return {
      name: 'heartbeat',
      run: async () => {
        const age = Date.now() - this.lastBeat;
        return age <= this.intervalMs * 3
          ? { ok: true }
          : { ok: false, detail: `last heartbeat ${Math.round(age / 1000)} s ago` };
      },
    };
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sql`update spool_processes set stopped_at = now() where id = ${this.id}`.catch(
      () => undefined,
    );
  }
}
