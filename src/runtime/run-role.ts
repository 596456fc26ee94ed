import fs from 'node:fs/promises';
import http from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Config } from '../config/config.ts';
import { migrateUp } from '../db/migrate.ts';
import { MastodonNotificationFollower } from '../engagement/mastodon-notifications.ts';
import type { App } from '../http/app.ts';
import { JobQueue } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import { createMailer } from '../mail/create-mailer.ts';
import { BlueskyEngagementStreams } from '../networks/bluesky/engagement-streams.ts';
import {
  emailNotification,
  NOTIFICATION_EMAIL_JOB,
  queueNotificationEmails,
} from '../notifications/email-notifications.ts';
import { BufferedPublishEvents, NotificationSink } from '../publisher/publish-events.ts';
import { createPublisher } from '../publisher/start-publisher.ts';
import { SsrfGuard } from '../security/ssrf-guard.ts';
import { createBlobStore } from '../storage/local-blob-store.ts';
import { VERSION } from '../version.ts';
import { deliverWebhook, WEBHOOK_JOB } from '../webhooks/deliver-webhook.ts';
import { WebhookSink } from '../webhooks/webhook-sink.ts';
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

    const metricsRegistry = new Registry();
    collectDefaultMetrics({ register: metricsRegistry, prefix: 'spool_' });
    const readiness = new Readiness();
    readiness.add(databaseCheck(database.sql));
    readiness.add(migrationsCheck(database.sql));
    if (role !== 'api') readiness.add(registration.healthCheck());

    let app: App | undefined;
    let url: string | undefined;
    const secretBox = await loadSecretBox(config, log);
    const mailer = createMailer(config, log);
    cleanups.push(() => mailer.close());
    const jobs = await JobQueue.start(database.url, log);
    cleanups.push(() => jobs.stop());
    if (servesHttp(role)) {
      const tls = config.tls
        ? { cert: await fs.readFile(config.tls.certFile), key: await fs.readFile(config.tls.keyFile) }
        : undefined;
      const blobStore = createBlobStore(config);
      // Loaded only by roles that serve HTTP: a worker starts faster without the routes' modules.
      const { buildApp } = await import('../http/app.ts');
      app = await buildApp(
        {
          config,
          logger: log,
          readiness,
          sql: database.sql,
          secretBox,
          mailer,
          metricsRegistry,
          blobStore,
          jobs,
        },
        tls,
      );
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
    if (role !== 'api') {
      const guard = new SsrfGuard({ allowPrivateAddresses: config.ssrfAllowPrivate });
      const baseUrl =
        config.publicUrl ?? `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`;
      await jobs.work<{ notificationId: string }>(NOTIFICATION_EMAIL_JOB, (data) =>
        emailNotification({ sql: database.sql, mailer, baseUrl, log }, data.notificationId),
      );
      await jobs.work<{ deliveryId: string }>(WEBHOOK_JOB, (data, meta) =>
        deliverWebhook({ sql: database.sql, box: secretBox, guard, log }, data.deliveryId, meta.retryCount),
      );
      const events = new BufferedPublishEvents(
        [
          new NotificationSink(database.sql, (ids) => queueNotificationEmails(jobs, ids)),
          new WebhookSink(database.sql, jobs),
        ],
        log,
      );
      const publisher = createPublisher({
        config,
        sql: database.sql,
        secretBox,
        log,
        registry: metricsRegistry,
        events,
      });
      await publisher.start();
      readiness.add(publisher.healthCheck());
      cleanups.push(async () => {
        await publisher.stop(config.shutdownTimeoutMs / 2);
        await events.flush();
      });
      // Live Mastodon engagement: one process follows each channel (advisory lock per channel).
      const mastodonFollower = new MastodonNotificationFollower({
        sql: database.sql,
        secretBox,
        log: log.child({ component: 'mastodon-notifications' }),
        allowPrivateAddresses: config.ssrfAllowPrivate,
      });
      await mastodonFollower.start();
      cleanups.push(() => mastodonFollower.stop());
      // Live Bluesky engagement: one process follows each PDS's event stream (advisory lock per PDS).
      const blueskyStreams = new BlueskyEngagementStreams({
        sql: database.sql,
        log: log.child({ component: 'bluesky-engagement' }),
        allowPrivateAddresses: config.ssrfAllowPrivate,
      });
      await blueskyStreams.start();
      cleanups.push(() => blueskyStreams.stop());
    }
    return { role, url, database, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
