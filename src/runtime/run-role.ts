import fs from 'node:fs/promises';
import http from 'node:http';
import type { Config } from '../config/config.ts';
import { migrateUp } from '../db/migrate.ts';
import { type App, buildApp } from '../http/app.ts';
import type { Logger } from '../logger.ts';
import { VERSION } from '../version.ts';
import { type Database, openDatabase } from './database.ts';
import { ProcessRegistration, type ProcessRole } from './process-registry.ts';
import { databaseCheck, migrationsCheck, Readiness } from './readiness.ts';
import { loadSecretBox } from './secret-key.ts';

export interface RunningSpool {
  role: ProcessRole;
  /** The HTTP address, for roles that serve HTTP. */
  url: string | undefined;
  database: Database;
  stop(): Promise<void>;
}

const servesHttp = (role: ProcessRole) => role === 'start' || role === 'api';

/**
 * Starts one Spool role in this process. `start` runs everything (embedded database, API, background
 * work); `api` and `worker` run one part each, any number of them against one DATABASE_URL.
 */
export async function runRole(role: ProcessRole, config: Config, log: Logger): Promise<RunningSpool> {
  const database = await openDatabase(config, log, `spool-${role}`);
  const cleanups: (() => Promise<void>)[] = [() => database.close()];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error) => log.error({ err: error }, 'error while shutting down'));
    }
  };
  try {
    if (config.migrateOnStart) {
      const applied = await migrateUp(database.sql, log);
      if (applied > 0) log.info({ applied }, 'database migrated');
    }

    const registration = new ProcessRegistration(database.sql, role, VERSION, config.workerHeartbeatMs, log);
    await registration.start();
    cleanups.push(() => registration.stop());

    const readiness = new Readiness();
    readiness.add(databaseCheck(database.sql));
    readiness.add(migrationsCheck(database.sql));
    if (role !== 'api') readiness.add(registration.healthCheck());

    let app: App | undefined;
    let url: string | undefined;
    const secretBox = await loadSecretBox(config, log);
    if (servesHttp(role)) {
      const tls = config.tls
        ? { cert: await fs.readFile(config.tls.certFile), key: await fs.readFile(config.tls.keyFile) }
        : undefined;
      app = await buildApp({ config, logger: log, readiness, sql: database.sql, secretBox }, tls);
      url = await app.listen({ host: config.host, port: config.port });
      const server = app;
      cleanups.push(async () => {
        readiness.markDraining();
        await server.close();
      });
      if (tls && config.httpPort !== undefined) {
        // Plain HTTP beside HTTPS: the same routes (health checks answer, the rest redirects with FORCE_HTTPS).
        const plain = http.createServer((req, res) => server.routing(req, res));
        await new Promise<void>((resolve) => plain.listen(config.httpPort, config.host, resolve));
        const address = plain.address();
        log.info({ port: typeof address === 'object' ? address?.port : address }, 'plain HTTP listener');
        cleanups.push(() => new Promise((resolve) => plain.close(() => resolve())));
      }
    }
    return { role, url, database, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
