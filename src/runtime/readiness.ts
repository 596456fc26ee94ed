import type { Sql } from '../db/connection.ts';
import { loadMigrations, type Migration, migrationStatus } from '../db/migrate.ts';

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
  /** Why the process is not ready, in words; empty when ready. */
  reasons: string[];
}

export interface ReadinessCheck {
  name: string;
  run(): Promise<{ ok: boolean; detail?: string }>;
}

/** Collects named checks; `/readyz` is ready only when every one passes. Later engines add theirs. */
export class Readiness {
  private readonly checks: ReadinessCheck[] = [];
  private draining = false;

  add(check: ReadinessCheck): void {
    this.checks.push(check);
  }

  /** Once shutting down, report not ready so load balancers stop sending traffic. */
  markDraining(): void {
    this.draining = true;
  }

  async check(): Promise<ReadinessReport> {
    const results = await Promise.all(
      this.checks.map(async (c) => {
        try {
          return [c.name, await withTimeout(c.run(), 2_000)] as const;
        } catch (error) {
          return [c.name, { ok: false, detail: (error as Error).message }] as const;
        }
      }),
    );
    const checks = Object.fromEntries(results);
    if (this.draining) checks.process = { ok: false, detail: 'shutting down' };
    const reasons = Object.entries(checks)
      .filter(([, r]) => !r.ok)
      .map(([name, r]) => `${name}: ${r.detail ?? 'failed'}`);
    return { ready: reasons.length === 0, checks, reasons };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function databaseCheck(sql: Sql): ReadinessCheck {
  return {
    name: 'database',
    async run() {
      await sql`select 1`;
      return { ok: true };
    },
  };
}

export function migrationsCheck(sql: Sql): ReadinessCheck {
  let known: Promise<Migration[]> | undefined;
  return {
    name: 'migrations',
    async run() {
      known ??= loadMigrations();
      const status = await migrationStatus(sql, await known);
      if (status.mismatched.length > 0) return { ok: false, detail: 'applied migrations were edited' };
      if (status.pending.length > 0) {
        return {
          ok: false,
          detail: `${status.pending.length} migration(s) pending; run \`spool migrate up\``,
        };
      }
      return { ok: true, detail: `${status.applied.length} applied` };
    },
  };
}
