import { z } from 'zod';
import type { Config } from '../../config/config.ts';
import type { Sql } from '../../db/connection.ts';
import {
  completeMastodonConnection,
  disconnectMastodonChannel,
  type MastodonInstanceClient,
  type SecretSealer,
  startMastodonConnection,
} from '../../domain/connections/connect-mastodon.ts';
import { MastodonInstanceHttpClient } from '../../networks/mastodon/mastodon-oauth.ts';
import type { App } from '../app.ts';
import { actorOf, orgOf } from '../plugins/auth.ts';
import { publicBase } from '../public-base.ts';
import { channelParams, orgParams } from '../schemas/ids.ts';
import { finishConnection, oauthCallbackQuery } from './connection-callback.ts';

interface Deps {
  sql: Sql;
  config: Config;
  secretBox: SecretSealer;
  /** The instances' OAuth endpoints; the real HTTP client unless a caller supplies another. */
  instances?: MastodonInstanceClient;
}

const CALLBACK_PATH = '/api/connections/mastodon/callback';

/** Connecting Mastodon accounts: start OAuth on an instance, the browser's callback, disconnect. */
export function registerMastodonConnectionRoutes(app: App, deps: Deps): void {
  const { sql, config, secretBox } = deps;
  const instances =
    deps.instances ?? new MastodonInstanceHttpClient({ allowPrivateAddresses: config.ssrfAllowPrivate });

  app.post(
    '/api/orgs/:orgId/channels/mastodon/authorize',
    {
      config: { access: 'org', permission: 'channels.manage' },
      schema: {
        tags: ['channels'],
        summary: 'Start connecting a Mastodon account: returns the instance page to send the person to',
        params: orgParams,
        body: z.object({ instanceUrl: z.string().trim().min(1).max(300) }),
      },
    },
    async (request) => {
      const started = await startMastodonConnection(sql, secretBox, instances, {
        organizationId: orgOf(request).organizationId,
        userId: actorOf(request).userId,
        instanceUrl: request.body.instanceUrl,
        redirectUri: `${publicBase(config, request)}${CALLBACK_PATH}`,
      });
      return started;
    },
  );

  app.get(
    CALLBACK_PATH,
    {
      config: { access: 'user', sessionOnly: true },
      schema: {
        tags: ['channels'],
        summary: 'Where the Mastodon instance sends the browser back; creates or reconnects the channel',
        querystring: oauthCallbackQuery,
      },
    },
    async (request, reply) =>
      finishConnection(request, reply, () =>
        completeMastodonConnection(sql, secretBox, instances, {
          userId: actorOf(request).userId,
          state: request.query.state,
          code: request.query.code,
          error: request.query.error,
        }),
      ),
  );

  app.post(
    '/api/orgs/:orgId/channels/mastodon/:channelId/disconnect',
    {
      config: { access: 'org', permission: 'channels.manage' },
      schema: {
        tags: ['channels'],
        summary: 'Disconnect a Mastodon channel (its tokens are revoked; its queue waits for a reconnect)',
        params: channelParams,
      },
    },
    async (request) =>
      disconnectMastodonChannel(sql, secretBox, instances, {
        organizationId: orgOf(request).organizationId,
        channelId: request.params.channelId,
      }),
  );
}
