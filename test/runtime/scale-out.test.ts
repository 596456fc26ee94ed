import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connect, type Sql } from '../../src/db/connection.ts';
import { loadMigrations } from '../../src/db/migrate.ts';
import { withDatabase } from '../support/global-setup.ts';
import { runSpool, type SpoolProcess, waitForReady } from '../support/spool-process.ts';

/** Many Spool processes on one PostgreSQL, coordinating only through it. */
describe('two api and two worker processes on one DATABASE_URL', () => {
  const adminUrl = inject('adminDatabaseUrl');
  const name = `spool_test_scale_${randomBytes(5).toString('hex')}`;
  let admin: Sql;
  let url: string;
  const processes: SpoolProcess[] = [];

  beforeAll(async () => {
    admin = connect(adminUrl, { max: 1 });
    await admin.unsafe(`create database "${name}"`); // empty: the processes migrate it themselves
    url = withDatabase(adminUrl, name);
  });
  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  });

  it('start together, migrate once, serve, and stop cleanly', { timeout: 90_000 }, async () => {
    const env = {
      DATABASE_URL: url,
      WORKER_HEARTBEAT_MS: '500',
      SPOOL_SECRET_KEY: randomBytes(32).toString('hex'),
    };
    processes.push(
      runSpool(['api', '--port', '0'], env),
      runSpool(['api', '--port', '0'], env),
      runSpool(['worker'], env),
      runSpool(['worker'], env),
    );
    const [api1, api2, worker1, worker2] = processes as [
      SpoolProcess,
      SpoolProcess,
      SpoolProcess,
      SpoolProcess,
    ];
    const urls = await Promise.all(
      [api1, api2].map(async (p) => (await p.waitForOutput(/running at (\S+)/, 60_000))[1]!),
    );
    await Promise.all([worker1, worker2].map((p) => p.waitForOutput(/\(worker\) is running/, 60_000)));
    for (const u of urls) await waitForReady(u);

    const sql = connect(url, { max: 1 });
    const applied = await sql`select count(*)::int as n from spool_migrations`;
    expect(applied[0]?.n).toBe((await loadMigrations()).length);
    const live =
      await sql`select role, count(*)::int as n from spool_processes where stopped_at is null group by role order by role`;
    expect(live).toEqual([
      { role: 'api', n: 2 },
      { role: 'worker', n: 2 },
    ]);
    // Migration logs: exactly one process applied the migrations.
    const migrators = processes.filter((p) => p.output().includes('applying migration'));
    expect(migrators).toHaveLength(1);

    for (const p of processes) p.child.kill('SIGTERM');
    expect(await Promise.all(processes.map((p) => p.exited))).toEqual([0, 0, 0, 0]);
    const stopped = await sql`select count(*)::int as n from spool_processes where stopped_at is not null`;
    expect(stopped[0]?.n).toBe(4);
    await sql.end();
    for (const p of processes) expect(p.output()).not.toMatch(/"level":50/); // no error logged
  });
});
