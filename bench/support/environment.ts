import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connect, type Sql } from '../../src/db/connection.ts';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.ts';
import { migrateUp } from '../../src/db/migrate.ts';
import { createLogger } from '../../src/logger.ts';

export interface BenchDatabase {
  url: string;
  sql: Sql;
  close(): Promise<void>;
}

/**
 * A database for one benchmark run: a fresh database on DATABASE_URL's server when given, else an
 * embedded PostgreSQL in a temporary folder (deleted afterwards). Migrated like production.
 */
export async function benchDatabase(settings: Record<string, string> = {}): Promise<BenchDatabase> {
  const log = createLogger('warn', 'bench', 'stderr');
  let adminUrl = process.env.DATABASE_URL;
  let stopServer = async () => undefined;
  if (!adminUrl) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-bench-'));
    await fs.chmod(dir, 0o755);
    const server = await startEmbeddedPostgres({
      dataDir: path.join(dir, 'pg'),
      log,
      settings: { max_connections: '300', shared_buffers: '256MB', ...settings },
    });
    adminUrl = server.adminUrl;
    stopServer = async () => {
      await server.stop();
      await fs.rm(dir, { recursive: true, force: true });
    };
  }
  const name = `spool_bench_${randomBytes(4).toString('hex')}`;
  const admin = connect(adminUrl, { max: 1 });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const sql = connect(url.toString(), { max: 10 });
  await migrateUp(sql, log);
  return {
    url: url.toString(),
    sql,
    async close() {
      await sql.end({ timeout: 5 });
      await admin.unsafe(`drop database if exists "${name}" with (force)`).catch(() => undefined);
      await admin.end();
      await stopServer();
    },
  };
}

const BIN = new URL('../../bin/spool.js', import.meta.url).pathname;

/** Runs `spool api` against a database, as an operator would; resolves with its URL. */
export async function startSpoolApi(
  databaseUrl: string,
  dataDir: string,
  extraEnv: Record<string, string> = {},
): Promise<{ url: string; child: ChildProcess }> {
  // BENCH_API_NODE_ARGS: extra Node options for the API process (e.g. --cpu-prof to profile it).
  const nodeArgs = process.env.BENCH_API_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'api', '--port', '0'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      SPOOL_DATA_DIR: dataDir,
      SPOOL_SECRET_KEY: randomBytes(32).toString('hex'),
      SPOOL_MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'warn',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /running at (\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`spool api exited (${code}): ${out}`)));
  });
  return { url, child };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;
