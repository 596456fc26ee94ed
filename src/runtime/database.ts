import path from 'node:path';
import type { Config } from '../config/config.ts';
import { connect, type Sql } from '../db/connection.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../db/embedded-postgres.ts';
import type { Logger } from '../logger.ts';

export interface Database {
  sql: Sql;
  url: string;
  /** Present when Spool started its own PostgreSQL. */
  embedded: EmbeddedPostgres | undefined;
  close(): Promise<void>;
}

/** Connects to DATABASE_URL, or starts the embedded PostgreSQL under the data directory. */
export async function openDatabase(config: Config, log: Logger, applicationName: string): Promise<Database> {
  let embedded: EmbeddedPostgres | undefined;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(config.dataDir, 'pg'),
      port: config.embeddedPostgresPort,
      log: log.child({ component: 'embedded-postgres' }),
    });
    url = embedded.url;
  }
  const sql = connect(url, { max: config.databasePoolSize, applicationName });
  return {
    sql,
    url,
    embedded,
    async close() {
      await sql.end({ timeout: 5 });
      await embedded?.stop();
    },
  };
}
