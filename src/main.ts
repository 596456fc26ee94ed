import { Command, InvalidArgumentError } from 'commander';
import { registerSecretsCommands } from './cli/secrets-commands.ts';
import { registerTokenCommands } from './cli/token-commands.ts';
import { registerUserCommands } from './cli/user-commands.ts';
import { type Config, ConfigError, loadConfig } from './config/config.ts';
import { migrateUp, migrationStatus } from './db/migrate.ts';
import { createLogger, type Logger } from './logger.ts';
import { openDatabase } from './runtime/database.ts';
import type { ProcessRole } from './runtime/process-registry.ts';
import { runRole } from './runtime/run-role.ts';
import { VERSION } from './version.ts';

/** The `spool` command. Settings come from the environment (see README); flags override a few. */

const say = (line: string) => process.stdout.write(`${line}\n`);
const complain = (line: string) => process.stderr.write(`${line}\n`);

function parsePort(value: string): string {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port number 0-65535');
  return value;
}

function configFrom(overrides: Record<string, string | undefined> = {}): Config {
  const given = Object.entries(overrides).filter(([, v]) => v !== undefined);
  return loadConfig({ ...process.env, ...Object.fromEntries(given) });
}

async function serve(role: ProcessRole, options: { host?: string; port?: string }): Promise<void> {
  const config = configFrom({ HOST: options.host, PORT: options.port });
  const log = createLogger(config.logLevel);
  const running = await runRole(role, config, log);
  if (running.url) say(`Spool ${VERSION} (${role}) is running at ${displayUrl(running.url, config.host)}`);
  else say(`Spool ${VERSION} (${role}) is running`);

  let shuttingDown = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      complain(`received ${signal} again; exiting now`);
      process.exit(1);
    }
    shuttingDown = true;
    log.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

/** `listen()` reports 127.0.0.1 or a bound address; show a URL a person can open. */
function displayUrl(url: string, host: string): string {
  return host === '0.0.0.0' || host === '::' ? url.replace(/\/\/[^:/]+|\/\/\[[^\]]+\]/, '//localhost') : url;
}

async function withDatabase<T>(
  task: (db: Awaited<ReturnType<typeof openDatabase>>, log: Logger) => Promise<T>,
) {
  const config = configFrom();
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, 'spool', 'stderr');
  const db = await openDatabase(config, log, 'spool-cli');
  try {
    return await task(db, log);
  } finally {
    await db.close();
  }
}

const program = new Command()
  .name('spool')
  .description('Spool: write posts once, queue them, and publish them on time, exactly once.')
  .version(VERSION)
  .showHelpAfterError();

for (const [role, description] of [
  [
    'start',
    'run everything in one process: the embedded database (unless DATABASE_URL is set), API, dashboard and background work',
  ],
  ['api', 'run the HTTP API and dashboard only (scale out: any number, one DATABASE_URL)'],
] as const) {
  program
    .command(role)
    .description(description)
    .option('--host <host>', 'address to listen on (env HOST, default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (env PORT, default 3000)', parsePort)
    .action((options) => serve(role, options));
}

program
  .command('worker')
  .description(
    'run background work only: publishing and scheduled jobs (scale out: any number, one DATABASE_URL)',
  )
  .action(() => serve('worker', {}));

const migrate = program.command('migrate').description('inspect or apply database migrations');
migrate
  .command('status')
  .description('list applied and pending migrations')
  .action(() =>
    withDatabase(async ({ sql }) => {
      const status = await migrationStatus(sql);
      for (const m of status.applied)
        say(`applied  ${String(m.version).padStart(4, '0')}_${m.name}  ${m.appliedAt.toISOString()}`);
      for (const m of status.pending) say(`pending  ${String(m.version).padStart(4, '0')}_${m.name}`);
      for (const m of status.mismatched)
        say(`CHANGED  ${String(m.version).padStart(4, '0')}_${m.name} (edited after it was applied)`);
      say(`${status.applied.length} applied, ${status.pending.length} pending`);
      if (status.mismatched.length > 0) process.exitCode = 1;
    }),
  );
migrate
  .command('up')
  .description('apply pending migrations (safe to run from several processes at once)')
  .action(() =>
    withDatabase(async ({ sql }, log) => {
      const applied = await migrateUp(sql, log);
      say(applied === 0 ? 'the database is up to date' : `applied ${applied} migration(s)`);
    }),
  );

registerUserCommands(program);
registerTokenCommands(program);
registerSecretsCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ConfigError) complain(error.message);
  else complain(`spool: ${(error as Error).message}`);
  process.exit(1);
}
