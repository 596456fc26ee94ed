import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connect, type Sql } from '../../src/db/connection.ts';
import type { App } from '../../src/http/app.ts';
import type { ReadinessReport } from '../../src/runtime/readiness.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { withDatabase } from '../support/global-setup.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/** The real app on a given connection (which may point at an unmigrated or unreachable database). */
async function appFor(sql: Sql, url = 'postgres://unused@127.0.0.1:9/unused'): Promise<App> {
  const t = await startTestApp({ db: { url, sql, drop: async () => undefined } });
  apps.push(t);
  return t.app;
}
const apps: TestApp[] = [];
afterAll(async () => {
  for (const t of apps) await t.close();
});

const base = (app: App) => {
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('not listening');
  return `http://127.0.0.1:${address.port}`;
};

describe('health checks over real HTTP', () => {
  let db: TestDatabase;
  let app: App;
  beforeAll(async () => {
    db = await createTestDatabase();
    app = await appFor(db.sql);
  });
  afterAll(async () => {
    await db.drop();
  });

  it('/livez answers 200', async () => {
    const res = await fetch(`${base(app)}/livez`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz answers 200 with every check when the database is migrated', async () => {
    const res = await fetch(`${base(app)}/readyz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as ReadinessReport;
    expect(body.ready).toBe(true);
    expect(body.checks.database?.ok).toBe(true);
    expect(body.checks.migrations?.ok).toBe(true);
    expect(body.reasons).toEqual([]);
  });

  it('gives every response a request id, and keeps a well-formed one from the caller', async () => {
    const generated = await fetch(`${base(app)}/livez`);
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await fetch(`${base(app)}/livez`, { headers: { 'x-request-id': 'lb-1234' } });
    expect(kept.headers.get('x-request-id')).toBe('lb-1234');
    const replaced = await fetch(`${base(app)}/livez`, {
      headers: { 'x-request-id': 'has spaces & /slashes' },
    });
    expect(replaced.headers.get('x-request-id')).not.toBe('has spaces & /slashes');
  });

  it('answers an unknown API route with the error envelope', async () => {
    const res = await fetch(`${base(app)}/api/no/such/thing?x=1`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { code: 'route.not_found', message: 'There is no GET /api/no/such/thing.' },
    });
  });
});

describe('/readyz when the process is not ready', () => {
  it('answers 503 with reasons while migrations are pending', async () => {
    const adminUrl = inject('adminDatabaseUrl');
    const name = `spool_test_unmigrated_${randomBytes(5).toString('hex')}`;
    const admin = connect(adminUrl, { max: 1 });
    await admin.unsafe(`create database "${name}"`);
    const sql = connect(withDatabase(adminUrl, name), { max: 2 });
    const app = await appFor(sql);
    try {
      const res = await fetch(`${base(app)}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as ReadinessReport;
      expect(body.ready).toBe(false);
      expect(body.checks.database?.ok).toBe(true);
      expect(body.reasons).toEqual([expect.stringMatching(/^migrations: \d+ migration\(s\) pending/)]);
    } finally {
      await sql.end();
      await admin.unsafe(`drop database "${name}" with (force)`);
      await admin.end();
    }
  });

  it('answers 503 when the database does not answer', async () => {
    const sql = connect('postgres://nobody:nothing@127.0.0.1:9/none', { max: 1 });
    const app = await appFor(sql);
    try {
      const res = await fetch(`${base(app)}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as ReadinessReport;
      expect(body.checks.database?.ok).toBe(false);
      expect(body.reasons[0]).toMatch(/^database: /);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});
