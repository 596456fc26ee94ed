import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { connect } from '../../src/db/connection.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../src/db/embedded-postgres.ts';
import { migrateUp } from '../../src/db/migrate.ts';
import { createLogger } from '../../src/logger.ts';

/**
 * Every database test runs against a real PostgreSQL: the one at TEST_DATABASE_URL when set, else an
 * embedded server this run starts in a temporary folder. The migrations are applied once to a
 * template database; each test file then clones its own database from it (test/support/database.ts).
 */
declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
    templateDatabase: string;
  }
}

export default async function setup(project: TestProject) {
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'warn', 'test');
  let embedded: EmbeddedPostgres | undefined;
  let tmp: string | undefined;
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-test-pg-'));
    await fs.chmod(tmp, 0o755);
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(tmp, 'pg'),
      log,
      // A throwaway cluster: durability buys nothing here, speed does.
      settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
    });
    adminUrl = embedded.adminUrl;
  }
  const template = `spool_test_template_${process.pid}_${Date.now().toString(36)}`;
  const admin = connect(adminUrl, { max: 1 });
  await admin.unsafe(`create database "${template}"`);
  const tpl = connect(withDatabase(adminUrl, template), { max: 1 });
  await migrateUp(tpl, log);
  await tpl.end();
  project.provide('adminDatabaseUrl', adminUrl);
  project.provide('templateDatabase', template);

  return async () => {
    await admin.unsafe(`drop database if exists "${template}" with (force)`).catch(() => undefined);
    await admin.end();
    await embedded?.stop();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
