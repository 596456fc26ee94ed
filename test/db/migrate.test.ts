import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connect, type Sql } from '../../src/db/connection.ts';
import { loadMigrations, migrateUp, migrationStatus } from '../../src/db/migrate.ts';
import { createLogger } from '../../src/logger.ts';
import { withDatabase } from '../support/global-setup.ts';

const log = createLogger('silent');

/** These tests need an empty database, not the migrated template. */
describe('migrations', () => {
  const adminUrl = inject('adminDatabaseUrl');
  const name = `spool_test_empty_${randomBytes(5).toString('hex')}`;
  let admin: Sql;
  let url: string;

  beforeAll(async () => {
    admin = connect(adminUrl, { max: 1 });
    await admin.unsafe(`create database "${name}"`);
    url = withDatabase(adminUrl, name);
  });
  afterAll(async () => {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  });

  it('numbers migrations 1, 2, 3… with unique names', async () => {
    const migrations = await loadMigrations();
    expect(migrations.length).toBeGreaterThan(0);
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
  });

  it('applies each migration once when several processes migrate at the same moment', async () => {
    const pools = Array.from({ length: 4 }, () => connect(url, { max: 2 }));
    try {
      const before = await migrationStatus(pools[0]!);
      expect(before.applied).toHaveLength(0);
      const applied = await Promise.all(pools.map((sql) => migrateUp(sql, log)));
      const total = (await loadMigrations()).length;
      // Exactly one of them did the work; the others waited on the lock and found nothing pending.
      expect(applied.reduce((a, b) => a + b, 0)).toBe(total);
      expect(applied.filter((n) => n > 0)).toHaveLength(1);
      const after = await migrationStatus(pools[0]!);
      expect(after.pending).toHaveLength(0);
      expect(after.applied).toHaveLength(total);
    } finally {
      await Promise.all(pools.map((sql) => sql.end()));
    }
  });

  it('refuses to run when an applied migration was edited', async () => {
    const sql = connect(url, { max: 1 });
    try {
      const migrations = await loadMigrations();
      const edited = migrations.map((m, i) => (i === 0 ? { ...m, checksum: 'changed' } : m));
      await expect(migrateUp(sql, log, edited)).rejects.toThrow(/changed after they were applied: 0001_/);
      expect((await migrationStatus(sql, edited)).mismatched.map((m) => m.version)).toEqual([1]);
    } finally {
      await sql.end();
    }
  });

  it('rolls back a failing migration entirely and reports which one failed', async () => {
    const sql = connect(url, { max: 1 });
    try {
      const migrations = await loadMigrations();
      const broken = {
        version: migrations.length + 1,
        name: 'broken',
        sql: 'create table half_written (id int); select no_such_function();',
        checksum: 'x',
      };
      await expect(migrateUp(sql, log, [...migrations, broken])).rejects.toThrow(/_broken\.sql failed/);
      const [row] = await sql`select to_regclass('half_written') is null as absent`;
      expect(row?.absent).toBe(true);
      expect((await migrationStatus(sql)).applied).toHaveLength(migrations.length);
    } finally {
      await sql.end();
    }
  });
});
