import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../config/config.ts';
import type { Sql } from '../db/connection.ts';
import type { Logger } from '../logger.ts';
import type { Readiness } from '../runtime/readiness.ts';
import type { SecretBox } from '../security/secret-box.ts';
import { registerAuth } from './plugins/auth.ts';
import { registerErrorHandling } from './plugins/errors.ts';
import { registerTransportSecurity } from './plugins/transport-security.ts';
import { registerAuthRoutes } from './routes/auth.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { registerTokenRoutes } from './routes/tokens.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A health check: never redirected, never behind auth. */
    health?: boolean;
  }
}

export interface AppDependencies {
  config: Config;
  logger: Logger;
  readiness: Readiness;
  sql: Sql;
  secretBox: SecretBox;
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
  }).withTypeProvider<ZodTypeProvider>() as unknown as App;

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

  registerHealthRoutes(app, deps.readiness);
  registerAuthRoutes(app, { sql, config });
  registerTokenRoutes(app, { sql });
  return app;
}
