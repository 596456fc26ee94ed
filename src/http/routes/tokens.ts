import { z } from 'zod';
import type { Sql } from '../../db/connection.ts';
import { createPersonalToken, listTokens, revokeToken } from '../../domain/accounts/api-tokens.ts';
import { SCOPES } from '../../domain/accounts/roles.ts';
import type { App } from '../app.ts';
import { actorOf, originOf } from '../plugins/auth.ts';

/** Personal access tokens: created from a signed-in session, shown once, stored hashed. */
export function registerTokenRoutes(app: App, { sql }: { sql: Sql }): void {
  app.get(
    '/api/tokens',
    {
      config: { access: 'user', sessionOnly: true },
      schema: { tags: ['tokens'], summary: 'List your API tokens' },
    },
    async (request) => ({ tokens: await listTokens(sql, actorOf(request).userId) }),
  );

  app.post(
    '/api/tokens',
    {
      config: { access: 'user', sessionOnly: true },
      schema: {
        tags: ['tokens'],
        summary: 'Create a personal access token (the token is shown once)',
        body: z.object({
          name: z.string().trim().min(1).max(100),
          scopes: z.array(z.enum(SCOPES)).min(1).max(SCOPES.length).default(['read', 'write']),
          expiresInDays: z.number().int().min(1).max(3650).optional(),
        }),
      },
    },
    async (request, reply) => {
      const { token, view } = await createPersonalToken(
        sql,
        actorOf(request).userId,
        { ...request.body, scopes: [...new Set(request.body.scopes)] },
        originOf(request),
      );
      reply.status(201);
      return { token, ...view };
    },
  );

  app.delete(
    '/api/tokens/:tokenId',
    {
      config: { access: 'user', sessionOnly: true },
      schema: {
        tags: ['tokens'],
        summary: 'Revoke an API token',
        params: z.object({ tokenId: z.uuid().toLowerCase() }),
      },
    },
    async (request, reply) => {
      await revokeToken(sql, actorOf(request).userId, request.params.tokenId, originOf(request));
      return reply.status(204).send();
    },
  );
}
