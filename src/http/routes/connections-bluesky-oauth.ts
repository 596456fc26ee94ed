import { z } from 'zod';
import type { Config } from '../../config/config.ts';
import type { Sql } from '../../db/connection.ts';
import {
  type BlueskyOAuthFlow,
  completeBlueskyOAuth,
  startBlueskyOAuth,
} from '../../domain/connections/connect-bluesky-oauth.ts';
import { blueskyOAuthClient } from '../../networks/bluesky/oauth/create-client.ts';
import { BLUESKY_CALLBACK_PATH, CLIENT_METADATA_PATH } from '../../networks/bluesky/oauth/oauth-client.ts';
import type { SecretBox } from '../../security/secret-box.ts';
import type { App } from '../app.ts';
import { actorOf, orgOf } from '../plugins/auth.ts';
import { publicBase } from '../public-base.ts';
import { orgParams } from '../schemas/ids.ts';
import { finishConnection, oauthCallbackQuery } from './connection-callback.ts';

interface Deps {
  sql: Sql;
  config: Config;
  secretBox: SecretBox;
}

/**
 * Connecting a Bluesky account with AT Protocol OAuth: start (PAR + PKCE + DPoP), the browser's
 * callback, and the client metadata document the person's server reads to know who Spool is.
 */
export function registerBlueskyOAuthRoutes(app: App, { sql, config, secretBox }: Deps): void {
  const client = blueskyOAuthClient(config, secretBox);
  const flow: BlueskyOAuthFlow = client;

  app.post(
    '/api/orgs/:orgId/channels/bluesky/authorize',
    {
      config: { access: 'org', permission: 'channels.manage' },
      schema: {
        tags: ['channels'],
        summary: 'Start connecting a Bluesky account with OAuth: returns its server’s sign-in page',
        description:
          'Give the handle (its server is found from it) or the address of the PDS or entryway to sign in at. ' +
          'Send the person to `authorizationUrl`; their server sends them back to Spool, which creates the ' +
          'channel or reconnects the one this organization has for that account.',
        params: orgParams,
        body: z
          .object({
            handle: z.string().trim().min(1).max(253).optional(),
            serviceUrl: z
              .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
              .max(2000)
              .optional(),
          })
          .refine((body) => body.handle !== undefined || body.serviceUrl !== undefined, {
            message: 'give the account’s handle, or the address of its server',
            path: ['handle'],
          }),
      },
    },
    async (request) =>
      startBlueskyOAuth(sql, secretBox, flow, {
        organizationId: orgOf(request).organizationId,
        userId: actorOf(request).userId,
        handle: request.body.handle,
        serviceUrl: request.body.serviceUrl,
        base: publicBase(config, request),
      }),
  );

  app.get(
    BLUESKY_CALLBACK_PATH,
    {
      config: { access: 'user', sessionOnly: true },
      schema: {
        tags: ['channels'],
        summary: 'Where the Bluesky server sends the browser back; creates or reconnects the channel',
        // RFC 9207: the issuer comes back with the code (the mix-up defence).
        querystring: oauthCallbackQuery.extend({ iss: z.string().max(2000).optional() }),
      },
    },
    async (request, reply) =>
      finishConnection(request, reply, () =>
        completeBlueskyOAuth(sql, secretBox, flow, {
          userId: actorOf(request).userId,
          state: request.query.state,
          code: request.query.code,
          iss: request.query.iss,
          error: request.query.error,
        }),
      ),
  );

  app.get(
    CLIENT_METADATA_PATH,
    {
      config: { access: 'public' },
      schema: {
        tags: ['channels'],
        summary: 'Spool’s AT Protocol OAuth client metadata (read by Bluesky servers during sign-in)',
      },
    },
    async (request, reply) => {
      const metadata = client.clientMetadata(publicBase(config, request));
      if (!metadata) {
        return reply.status(404).send({
          error: {
            code: 'bluesky.oauth_needs_https',
            message: 'This Spool is not served over https, so it has no OAuth client metadata.',
            details: {},
          },
        });
      }
      return reply.header('cache-control', 'public, max-age=300').send(metadata);
    },
  );
}
