import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../logger.ts';
import type { Sql } from './connection.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
/** Held while migrating, so that processes starting together apply each migration once. */
const MIGRATION_LOCK_KEY = 0x5_0_0_1; // "spool", in spirit

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationStatus {
  applied: { version: number; name: string; appliedAt: Date }[];
  pending: Migration[];
  /** Applied migrations whose file changed since (or vanished): a migration is never edited. */
  mismatched: { version: number; name: string }[];
}

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await fs.readdir(dir)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const sql = await fs.readFile(path.join(dir, file), 'utf8');
    migrations.push({
      version: Number.parseInt(file.slice(0, 4), 10),
      name: file.slice(5, -4),
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`migration numbers must run 1, 2, 3…; found ${file(m)} at ${i + 1}`);
  });
  return migrations;
}

const file = (m: { version: number; name: string }) => `${String(m.version).padStart(4, '0')}_${m.name}.sql`;

async function ensureTable(sql: Sql): Promise<void> {
  await sql`
    create table if not exists spool_migrations (
      version integer primary key,
      name text not null,
      checksum text not null,
      applied_at timestamptz not null default now()
    )`;
}

export async function migrationStatus(sql: Sql, migrations?: Migration[]): Promise<MigrationStatus> {
  const all = migrations ?? (await loadMigrations());
  const [exists] = await sql`select to_regclass('spool_migrations') is not null as present`;
  const rows = exists?.present
    ? await sql<{ version: number; name: string; checksum: string; applied_at: Date }[]>`
        select version, name, checksum, applied_at from spool_migrations order by version`
    : [];
  const byVersion = new Map(all.map((m) => [m.version, m]));
  const appliedVersions = new Set(rows.map((r) => r.version));
  return {
    applied: rows.map((r) => ({ version: r.version, name: r.name, appliedAt: r.applied_at })),
    pending: all.filter((m) => !appliedVersions.has(m.version)),
    mismatched: rows
      .filter((r) => byVersion.get(r.version)?.checksum !== r.checksum)
      .map((r) => ({ version: r.version, name: r.name })),
  };
}

/**
 * Applies pending migrations, each in its own transaction, under a session advisory lock: when
 * several Spool processes start at once, one migrates and the others wait, then find nothing to do.
 */
export async function migrateUp(sql: Sql, log: Logger, migrations?: Migration[]): Promise<number> {
  const all = migrations ?? (await loadMigrations());
  const conn = await sql.reserve();
  try {
    await conn`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    await ensureTable(conn as unknown as Sql);
    const status = await migrationStatus(conn as unknown as Sql, all);
    if (status.mismatched.length > 0) {
      throw new Error(
        `these applied migrations were changed after they were applied: ${status.mismatched.map(file).join(', ')}; ` +
          'add a new migration instead of editing an old one',
      );
    }
    for (const migration of status.pending) {
      log.info({ migration: file(migration) }, 'applying migration');
      await conn`begin`;
      try {
        await conn.unsafe(migration.sql);
        await conn`insert into spool_migrations (version, name, checksum)
                   values (${migration.version}, ${migration.name}, ${migration.checksum})`;
        await conn`commit`;
      } catch (error) {
        await conn`rollback`;
        throw new Error(`migration ${file(migration)} failed: ${(error as Error).message}`);
      }
    }
    return status.pending.length;
  } finally {
    await conn`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.catch(() => undefined);
    conn.release();
  }
}
