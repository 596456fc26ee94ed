import path from 'node:path';
import { z } from 'zod';
import { parseSecretKey } from '../security/secret-box.ts';

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

const secretKey = z.string().transform((v, ctx) => {
  const key = parseSecretKey(v);
  if (!key) ctx.addIssue({ code: 'custom', message: 'must be 32 bytes, as 64 hex or base64url characters' });
  return key ?? Buffer.alloc(0);
});

const postgresUrl = z
  .string()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), { message: 'must be a postgres:// or postgresql:// URL' });

export const settingsSchema = z
  .object({
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
    PUBLIC_URL: z.url({ message: 'must be a URL such as https://spool.example.com' }).optional(),
    SPOOL_SECRET_KEY: secretKey.optional(),
    SPOOL_SECRET_KEYS_PREVIOUS: z
      .string()
      .transform((v, ctx) =>
        v
          .split(',')
          .filter((k) => k.trim())
          .map((k) => {
            const key = parseSecretKey(k);
            if (!key)
              ctx.addIssue({
                code: 'custom',
                message: 'each key must be 32 bytes, as 64 hex or base64url characters',
              });
            return key ?? Buffer.alloc(0);
          }),
      )
      .optional(),
    TLS_CERT_FILE: z.string().min(1).optional(),
    TLS_KEY_FILE: z.string().min(1).optional(),
    HTTP_PORT: port(0).optional(),
    TRUST_PROXY: booleanFromEnv.default(false),
    FORCE_HTTPS: booleanFromEnv.default(false),
    API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(60),
    SESSION_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
    SMTP_URL: z
      .string()
      .refine((v) => /^smtps?:\/\//.test(v), { message: 'must be an smtp:// or smtps:// URL' })
      .optional(),
    MAIL_FROM: z.string().min(3).default('Spool <spool@localhost>'),
    SECURITY_CONTACT: z.string().min(3).default('mailto:security@localhost'),
    HALL_OF_FAME_FILE: z.string().min(1).optional(),
    MEDIA_MAX_IMAGE_BYTES: z.coerce.number().int().min(1024).default(20_971_520),
    MEDIA_MAX_VIDEO_BYTES: z.coerce.number().int().min(1024).default(536_870_912),
    S3_ENDPOINT: z.url({ message: 'must be a URL such as https://s3.eu-west-1.amazonaws.com' }).optional(),
    S3_BUCKET: z.string().min(1).optional(),
    S3_REGION: z.string().min(1).default('us-east-1'),
    S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    SSRF_ALLOW_PRIVATE: booleanFromEnv.default(false),
    PUBLISH_LEASE_MS: z.coerce.number().int().min(500).max(600_000).default(15_000),
    PUBLISH_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(10_000).default(512),
    PUBLISH_BATCH_SIZE: z.coerce.number().int().min(1).max(5_000).default(250),
    PUBLISH_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
    PUBLISH_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(2_000),
    PUBLISH_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
    X_CLIENT_ID: z.string().min(1).optional(),
    X_CLIENT_SECRET: z.string().min(1).optional(),
    BLUESKY_PLC_URL: z
      .url({ protocol: /^https?$/, message: 'must be the http(s) address of a PLC directory' })
      .default('https://plc.directory'),
  })
  .superRefine((s, ctx) => {
    const s3 = {
      S3_ENDPOINT: s.S3_ENDPOINT,
      S3_BUCKET: s.S3_BUCKET,
      S3_ACCESS_KEY_ID: s.S3_ACCESS_KEY_ID,
      S3_SECRET_ACCESS_KEY: s.S3_SECRET_ACCESS_KEY,
    };
    if (Object.values(s3).some(Boolean)) {
      for (const [name, value] of Object.entries(s3)) {
        if (value) continue;
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message:
            'is required to store media in S3: set all of S3_ENDPOINT, S3_BUCKET, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or none',
        });
      }
    }
    if (s.DATABASE_URL && !s.SPOOL_SECRET_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['SPOOL_SECRET_KEY'],
        message:
          'is required with DATABASE_URL (32 random bytes, e.g. `openssl rand -hex 32`); every process must share it',
      });
    }
    if (s.SMTP_URL && !s.PUBLIC_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['PUBLIC_URL'],
        message:
          'is required with SMTP_URL, so that links in emails (password resets, invitations) point at your Spool and not at whatever Host a request claimed',
      });
    }
    if (Boolean(s.TLS_CERT_FILE) !== Boolean(s.TLS_KEY_FILE)) {
      ctx.addIssue({
        code: 'custom',
        path: ['TLS_KEY_FILE'],
        message: 'TLS_CERT_FILE and TLS_KEY_FILE go together',
      });
    }
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
  /** The address people use to reach Spool (links in emails, OAuth redirects); derived when unset. */
  readonly publicUrl: string | undefined;
  /** Unset on the embedded default: Spool then generates one into the data folder. */
  readonly secretKey: Buffer | undefined;
  readonly previousSecretKeys: readonly Buffer[];
  readonly tls: { certFile: string; keyFile: string } | undefined;
  /** With TLS, an extra plain-HTTP port (for redirects and health checks). */
  readonly httpPort: number | undefined;
  readonly trustProxy: boolean;
  readonly forceHttps: boolean;
  readonly apiRateLimitPerMinute: number;
  readonly sessionTtlDays: number;
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  readonly securityContact: string;
  readonly hallOfFameFile: string | undefined;
  readonly media: {
    readonly maxImageBytes: number;
    readonly maxVideoBytes: number;
    /** Set when media go to an S3-compatible store; otherwise they stay under `<dataDir>/media`. */
    readonly s3: S3Settings | undefined;
  };
  /** Lets fetches of user-supplied URLs reach private and loopback addresses (tests, closed networks). */
  readonly ssrfAllowPrivate: boolean;
  readonly publisher: {
    readonly leaseMs: number;
    readonly maxInFlight: number;
    readonly batchSize: number;
    readonly maxAttempts: number;
    readonly retryBaseMs: number;
    readonly requestTimeoutMs: number;
  };
  readonly x: { readonly clientId: string | undefined; readonly clientSecret: string | undefined };
  /** Where did:plc identities are resolved during Bluesky OAuth sign-in. */
  readonly blueskyPlcUrl: string;
}

export interface S3Settings {
  readonly endpoint: string;
  readonly bucket: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
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
    publicUrl: s.PUBLIC_URL?.replace(/\/+$/, ''),
    secretKey: s.SPOOL_SECRET_KEY,
    previousSecretKeys: s.SPOOL_SECRET_KEYS_PREVIOUS ?? [],
    tls:
      s.TLS_CERT_FILE && s.TLS_KEY_FILE ? { certFile: s.TLS_CERT_FILE, keyFile: s.TLS_KEY_FILE } : undefined,
    httpPort: s.HTTP_PORT,
    trustProxy: s.TRUST_PROXY,
    forceHttps: s.FORCE_HTTPS,
    apiRateLimitPerMinute: s.API_RATE_LIMIT_PER_MINUTE,
    sessionTtlDays: s.SESSION_TTL_DAYS,
    smtpUrl: s.SMTP_URL,
    mailFrom: s.MAIL_FROM,
    securityContact: s.SECURITY_CONTACT,
    hallOfFameFile: s.HALL_OF_FAME_FILE,
    media: Object.freeze({
      maxImageBytes: s.MEDIA_MAX_IMAGE_BYTES,
      maxVideoBytes: s.MEDIA_MAX_VIDEO_BYTES,
      s3:
        s.S3_ENDPOINT && s.S3_BUCKET && s.S3_ACCESS_KEY_ID && s.S3_SECRET_ACCESS_KEY
          ? Object.freeze({
              endpoint: s.S3_ENDPOINT.replace(/\/+$/, ''),
              bucket: s.S3_BUCKET,
              region: s.S3_REGION,
              accessKeyId: s.S3_ACCESS_KEY_ID,
              secretAccessKey: s.S3_SECRET_ACCESS_KEY,
            })
          : undefined,
    }),
    ssrfAllowPrivate: s.SSRF_ALLOW_PRIVATE,
    publisher: Object.freeze({
      leaseMs: s.PUBLISH_LEASE_MS,
      maxInFlight: s.PUBLISH_MAX_IN_FLIGHT,
      batchSize: s.PUBLISH_BATCH_SIZE,
      maxAttempts: s.PUBLISH_MAX_ATTEMPTS,
      retryBaseMs: s.PUBLISH_RETRY_BASE_MS,
      requestTimeoutMs: s.PUBLISH_REQUEST_TIMEOUT_MS,
    }),
    x: Object.freeze({ clientId: s.X_CLIENT_ID, clientSecret: s.X_CLIENT_SECRET }),
    blueskyPlcUrl: s.BLUESKY_PLC_URL.replace(/\/+$/, ''),
  });
}
