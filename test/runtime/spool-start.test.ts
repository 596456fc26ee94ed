import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connection.ts';
import { isAlive, runSpool, waitForReady } from '../support/spool-process.ts';

/**
 * `spool start` as a person runs it: its own embedded PostgreSQL under SPOOL_DATA_DIR, created on
 * the first start and reused after, stopped on exit, surviving a crash.
 */
describe('spool start on the embedded database', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-start-'));
    await fs.chmod(dataDir, 0o755);
  });
  afterAll(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  const start = () => runSpool(['start', '--port', '0'], { SPOOL_DATA_DIR: dataDir });
  const postgresPid = async () =>
    Number((await fs.readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);

  it('starts, serves, keeps data across restarts and stops cleanly on SIGTERM', {
    timeout: 90_000,
  }, async () => {
    // First start: initdb included.
    const first = start();
    const [, url] = await first.waitForOutput(/is running at (http:\/\/\S+)/);
    expect(await waitForReady(url!, 10_000)).toBeLessThan(10_000);
    const pgPid = await postgresPid();
    expect(isAlive(pgPid)).toBe(true);

    // Write something through the database Spool created.
    const password = (await fs.readFile(path.join(dataDir, 'pg.password'), 'utf8')).trim();
    const port = (await fs.readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[3];
    const dbUrl = `postgres://spool:${encodeURIComponent(password)}@127.0.0.1:${port}/spool`;
    const sql = connect(dbUrl, { max: 1 });
    await sql`insert into spool_settings (key, value) values ('test.marker', '"kept"')`;
    await sql.end();

    const t0 = Date.now();
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(isAlive(pgPid)).toBe(false);
    await expect(fs.access(path.join(dataDir, 'pg', 'postmaster.pid'))).rejects.toThrow();

    // Warm start: the same cluster, ready quickly, the row still there.
    const second = start();
    const [, url2] = await second.waitForOutput(/is running at (http:\/\/\S+)/);
    expect(await waitForReady(url2!, 3_000)).toBeLessThan(3_000);
    const password2 = (await fs.readFile(path.join(dataDir, 'pg.password'), 'utf8')).trim();
    expect(password2).toBe(password);
    const port2 = (await fs.readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[3];
    const sql2 = connect(`postgres://spool:${encodeURIComponent(password)}@127.0.0.1:${port2}/spool`, {
      max: 1,
    });
    const [row] = await sql2`select value from spool_settings where key = 'test.marker'`;
    expect(row?.value).toBe('kept');
    await sql2.end();
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });

  it('starts again after a crash left its PostgreSQL orphaned or a stale postmaster.pid', {
    timeout: 90_000,
  }, async () => {
    const crashed = start();
    const [, url] = await crashed.waitForOutput(/is running at (http:\/\/\S+)/);
    await waitForReady(url!);
    const orphan = await postgresPid();
    crashed.child.kill('SIGKILL');
    await crashed.exited;
    expect(isAlive(orphan)).toBe(true); // the server outlived Spool

    const next = start();
    const [, url2] = await next.waitForOutput(/is running at (http:\/\/\S+)/);
    await waitForReady(url2!);
    expect(isAlive(orphan)).toBe(false);
    const pgPid = await postgresPid();
    next.child.kill('SIGKILL');
    await next.exited;
    process.kill(pgPid, 'SIGKILL'); // now the server dies too, leaving its postmaster.pid behind
    await new Promise((r) => setTimeout(r, 300));
    await expect(fs.access(path.join(dataDir, 'pg', 'postmaster.pid'))).resolves.toBeUndefined();

    const last = start();
    const [, url3] = await last.waitForOutput(/is running at (http:\/\/\S+)/);
    await waitForReady(url3!);
    expect(last.output()).toMatch(/stale postmaster.pid/);
    last.child.kill('SIGTERM');
    expect(await last.exited).toBe(0);
  });

  it('refuses to start with invalid settings, listing every problem', { timeout: 30_000 }, async () => {
    const bad = runSpool(['start'], { PORT: 'eighty', LOG_LEVEL: 'loud', SPOOL_DATA_DIR: dataDir });
    expect(await bad.exited).toBe(1);
    expect(bad.output()).toMatch(/fix these settings:\n {2}- PORT="eighty".*\n {2}- LOG_LEVEL="loud"/);
  });
});
