import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Config, loadConfig } from '../../src/config/config.ts';
import type { Sql } from '../../src/db/connection.ts';
import { type App, buildApp, type TlsFiles } from '../../src/http/app.ts';
import type { JobQueue } from '../../src/jobs/job-queue.ts';
import { createLogger } from '../../src/logger.ts';
import { createMailer } from '../../src/mail/create-mailer.ts';
import type { Clock } from '../../src/ports/clock.ts';
import type { Mailer } from '../../src/ports/mailer.ts';
import { databaseCheck, migrationsCheck, Readiness } from '../../src/runtime/readiness.ts';
import { SecretBox } from '../../src/security/secret-box.ts';
import { createBlobStore } from '../../src/storage/local-blob-store.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export interface TestApp {
  app: App;
  url: string;
  config: Config;
  sql: Sql;
  secretBox: SecretBox;
  /** SMTP when the test passes SMTP_URL in `env`; else the outbox under the temporary data folder. */
  mailer: Mailer;
  close(): Promise<void>;
}

/**
 * The real HTTP app on its own migrated database, listening on loopback. `env` sets any setting as
 * an operator would. Pass `db` to share one database between several apps, `clock` to fix "now".
 */
export async function startTestApp(
  options: {
    env?: Record<string, string>;
    db?: TestDatabase;
    tls?: TlsFiles;
    clock?: Clock;
    jobs?: JobQueue;
  } = {},
): Promise<TestApp> {
  const ownDb = options.db ? undefined : await createTestDatabase();
  const db = options.db ?? ownDb!;
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-app-'));
  const key = randomBytes(32);
  const config = loadConfig({
    SPOOL_DATA_DIR: dataDir,
    SPOOL_SECRET_KEY: key.toString('hex'),
    DATABASE_URL: db.url,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...options.env,
  });
  const logger = createLogger(config.logLevel, 'test');
  const readiness = new Readiness();
  readiness.add(databaseCheck(db.sql));
  readiness.add(migrationsCheck(db.sql));
  const secretBox = new SecretBox(key);
  const mailer = createMailer(config, logger);
  const app = await buildApp(
    {
      config,
      logger,
      readiness,
      sql: db.sql,
      secretBox,
      mailer,
      blobStore: createBlobStore(config),
      ...(options.jobs ? { jobs: options.jobs } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    },
    options.tls,
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    config,
    sql: db.sql,
    secretBox,
    mailer,
    async close() {
      await app.close();
      await mailer.close();
      await ownDb?.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
