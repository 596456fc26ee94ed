import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { VERSION } from '../../version.ts';
import type { App } from '../app.ts';

/**
 * The OpenAPI 3.1 document, generated from the route schemas, at `/api/openapi.json`, and an
 * interactive reference at `/api/docs`. Must be registered before the routes it describes.
 */
export async function registerOpenApi(app: App): Promise<void> {
  // The reference's own routes come from a plugin: declare them public here, as every route must.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/docs')) route.config = { ...route.config, access: 'public' };
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Spool API',
        version: VERSION,
        description:
          'Schedule and publish posts to social networks. Authenticate with a personal access token ' +
          '(`Authorization: Bearer spool_pat_…`, created in Settings → API tokens or with `spool token create`) ' +
          'or an OAuth 2 access token. Errors use one envelope: `{ "error": { "code", "message", "details" } }`.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'A personal access token or OAuth access token',
          },
        },
      },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });

  app.get('/api/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
}
