import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyContextConfig,
  type FastifyInstance,
  type FastifySchema,
  type RawServerDefault,
} from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import type { Config } from '../config/config.ts';
import type { Sql } from '../db/connection.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { Mailer } from '../ports/mailer.ts';
import type { Readiness } from '../runtime/readiness.ts';
import type { SecretBox } from '../security/secret-box.ts';
import { registerAuth } from './plugins/auth.ts';
import { answerFrameworkError, registerErrorHandling } from './plugins/errors.ts';
import { registerIdempotency } from './plugins/idempotency.ts';
import { registerOpenApi } from './plugins/openapi.ts';
import { registerTextInputGuard } from './plugins/text-input.ts';
import { registerTransportSecurity } from './plugins/transport-security.ts';
import { registerAuditRoutes } from './routes/audit.ts';
import { registerAuthRoutes } from './routes/auth.ts';
import { registerCalendarRoutes } from './routes/calendar.ts';
import { registerChannelRoutes } from './routes/channels.ts';
import { registerBlueskyConnectionRoutes } from './routes/connections-bluesky.ts';
import { registerBlueskyOAuthRoutes } from './routes/connections-bluesky-oauth.ts';
import { registerMastodonConnectionRoutes } from './routes/connections-mastodon.ts';
import { registerDashboardRoutes } from './routes/dashboard.ts';
import { registerDisclosureRoutes } from './routes/disclosure.ts';
import { registerEventRoutes } from './routes/events.ts';
import { registerGroupRoutes } from './routes/groups.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { registerIdeaRoutes } from './routes/ideas.ts';
import { registerLinkRoutes } from './routes/links.ts';
import { registerMediaRoutes } from './routes/media.ts';
import { registerMetricsRoute } from './routes/metrics.ts';
import { registerNotificationRoutes } from './routes/notifications.ts';
import { registerOAuthRoutes } from './routes/oauth.ts';
import { registerOrganizationRoutes } from './routes/organizations.ts';
import { registerPasswordResetRoutes } from './routes/password-reset.ts';
import { registerPostRoutes } from './routes/posts.ts';
import { registerQueueRoutes } from './routes/queue.ts';
import { registerTokenRoutes } from './routes/tokens.ts';
import { registerWebhookRoutes } from './routes/webhooks.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A health check: never redirected, never behind auth. */
    health?: boolean;
  }
  interface FastifyInstance {
    /** Every route the app serves, as declared; security tests walk it so new routes are covered. */
    routeTable: readonly RouteRecord[];
  }
}

/** One served method + URL with its declared access config and request schemas. */
export interface RouteRecord {
  method: string;
  url: string;
  config: FastifyContextConfig;
  schema: FastifySchema | undefined;
}

export interface AppDependencies {
  config: Config;
  logger: Logger;
  readiness: Readiness;
  sql: Sql;
  secretBox: SecretBox;
  mailer: Mailer;
  /** Where uploaded media are kept (local disk or an S3-compatible store). */
  blobStore: BlobStore;
  /** Background jobs (webhook deliveries, emails); absent where no job queue runs. */
  jobs?: JobQueue;
  /** The process's Prometheus registry; /metrics serves it. */
  metricsRegistry?: Registry;
  /** "Now" for due times and slots; the system clock unless a test fixes it. */
  clock?: Clock;
}

/** The Fastify instance with zod schemas as its type provider; every route file registers on it. */
export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface TlsFiles {
  key: Buffer;
  cert: Buffer;
}

export async function buildApp(deps: AppDependencies, tls?: TlsFiles): Promise<App> {
  const { config, sql } = deps;
  const app = Fastify({
    ...(tls ? { https: { key: tls.key, cert: tls.cert } } : {}),
    trustProxy: config.trustProxy,
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Honour a well-formed request id from a proxy, so one id follows a request end to end.
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    bodyLimit: 1024 * 1024,
    // Finish in-flight requests on close, but do not wait for idle keep-alive sockets.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    frameworkErrors: answerFrameworkError,
  }).withTypeProvider<ZodTypeProvider>() as unknown as App;

  const routeTable: RouteRecord[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      // Read config when asked: later onRoute hooks (the API reference's) may still set it.
      routeTable.push({
        method,
        url: route.url,
        get config() {
          return route.config ?? {};
        },
        schema: route.schema,
      });
    }
  });

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  registerErrorHandling(app);
  await app.register(cookie);
  await app.register(formbody);
  await registerTransportSecurity(app, config);
  registerAuth(app, { sql, config });
  registerTextInputGuard(app);
  registerIdempotency(app, { sql });
  await registerOpenApi(app);

  registerHealthRoutes(app, deps.readiness);
  registerMetricsRoute(app, { sql, registry: deps.metricsRegistry });
  registerWebhookRoutes(app, { sql, config, secretBox: deps.secretBox, jobs: deps.jobs });
  registerNotificationRoutes(app, { sql });
  registerAuthRoutes(app, { sql, config });
  registerTokenRoutes(app, { sql });
  registerDisclosureRoutes(app, { config });
  registerOAuthRoutes(app, { sql });
  registerPasswordResetRoutes(app, { sql, config, mailer: deps.mailer });
  registerOrganizationRoutes(app, { sql, config, mailer: deps.mailer });
  registerAuditRoutes(app, { sql });
  registerMediaRoutes(app, { sql, config, blobStore: deps.blobStore });
  registerIdeaRoutes(app, { sql });
  registerLinkRoutes(app, { sql, config });
  const clock = deps.clock ?? systemClock;
  registerChannelRoutes(app, { sql, clock, secretBox: deps.secretBox });
  registerBlueskyConnectionRoutes(app, {
    sql,
    secretBox: deps.secretBox,
    allowPrivateAddresses: config.ssrfAllowPrivate,
  });
  registerBlueskyOAuthRoutes(app, { sql, config, secretBox: deps.secretBox });
  registerMastodonConnectionRoutes(app, { sql, config, secretBox: deps.secretBox });
  registerGroupRoutes(app, { sql });
  registerPostRoutes(app, { sql, clock });
  registerQueueRoutes(app, { sql, clock });
  registerCalendarRoutes(app, { sql });
  registerEventRoutes(app, { sql });
  registerDashboardRoutes(app);
  return app;
}
