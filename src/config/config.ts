import path from 'node:path';
import { z } from 'zod';

/**
 * Every setting Spool reads from the environment, parsed once at boot. This is the only module that
 * reads `process.env`; everything else receives the frozen `Config`.
 */
const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = (fallback: number) =>
  z.coerce
    .number({ message: 'must be a port number' })
    .int({ message: 'must be a whole number' })
    .min(0, { message: 'must be between 0 and 65535' })
    .max(65535, { message: 'must be between 0 and 65535' })
    .default(fallback);

const positiveMs = (fallback: number) =>
  z.coerce.number({ message: 'must be a number of milliseconds' }).int().positive().default(fallback);

const postgresUrl = z
  .string()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), { message: 'must be a postgres:// or postgresql:// URL' });

export const settingsSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port(3000),
  DATABASE_URL: postgresUrl.optional(),
  SPOOL_DATA_DIR: z.string().min(1).default('data'),
  SPOOL_PG_PORT: port(0),
  SPOOL_MIGRATE_ON_START: booleanFromEnv.default(true),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHUTDOWN_TIMEOUT_MS: positiveMs(10_000),
  WORKER_HEARTBEAT_MS: positiveMs(5_000),
});

export type Settings = z.infer<typeof settingsSchema>;

export interface Config {
  readonly host: string;
  readonly port: number;
  /** Set when an operator points Spool at their own PostgreSQL; otherwise Spool runs one embedded. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly embeddedPostgresPort: number;
  readonly migrateOnStart: boolean;
  readonly databasePoolSize: number;
  readonly logLevel: Settings['LOG_LEVEL'];
  readonly shutdownTimeoutMs: number;
  readonly workerHeartbeatMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Spool cannot start; fix these settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment (or any record of strings); throws a ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "not set", so `PORT= spool start` uses the default.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = settingsSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.');
      return `${name}=${JSON.stringify(present[name] ?? '')}: ${issue.message}`;
    });
    throw new ConfigError(problems);
  }
  const s = parsed.data;
  return Object.freeze({
    host: s.HOST,
    port: s.PORT,
    databaseUrl: s.DATABASE_URL,
    dataDir: path.resolve(s.SPOOL_DATA_DIR),
    embeddedPostgresPort: s.SPOOL_PG_PORT,
    migrateOnStart: s.SPOOL_MIGRATE_ON_START,
    databasePoolSize: s.DATABASE_POOL_SIZE,
    logLevel: s.LOG_LEVEL,
    shutdownTimeoutMs: s.SHUTDOWN_TIMEOUT_MS,
    workerHeartbeatMs: s.WORKER_HEARTBEAT_MS,
  });
}
