import { z } from 'zod';
import type { Sql } from '../../db/connection.ts';
import type { Sealer } from '../../domain/channels/create-channel.ts';
import {
  type BlueskySignIn,
  connectBluesky,
  disconnectChannel,
} from '../../domain/connections/connect-bluesky.ts';
import { pdsDispatcher } from '../../networks/bluesky/guarded-dispatcher.ts';
import { createSession, jwtExpiry } from '../../networks/bluesky/session.ts';
import type { App } from '../app.ts';
import { orgOf } from '../plugins/auth.ts';
import { channelParams, orgParams } from '../schemas/ids.ts';

interface Deps {
  sql: Sql;
  secretBox: Sealer;
  /** SSRF_ALLOW_PRIVATE: whether a PDS may be on a private or loopback address. */
  allowPrivateAddresses: boolean;
}

const SIGN_IN_TIMEOUT_MS = 15_000;

/** Connecting a Bluesky account (handle + app password), and disconnecting any channel. */
export function registerBlueskyConnectionRoutes(
  app: App,
  { sql, secretBox, allowPrivateAddresses }: Deps,
): void {
  const settings = {
    dispatcher: pdsDispatcher(allowPrivateAddresses),
    allowPrivateAddresses,
    timeoutMs: SIGN_IN_TIMEOUT_MS,
  };
  const signIn: BlueskySignIn = (service, identifier, password) =>
    createSession(service, identifier, password, settings);

  app.post(
    '/api/orgs/:orgId/channels/bluesky',
    {
      config: { access: 'org', permission: 'channels.manage' },
      schema: {
        tags: ['channels'],
        summary: 'Connect a Bluesky account with its handle and an app password (reconnects a known account)',
        description:
          'Signs in on the PDS and keeps the session tokens encrypted; the app password itself is not stored. ' +
          'The same account connected again keeps its queue and gets new tokens. Answers 201 for a new ' +
          'channel, 200 for a reconnected one.',
        params: orgParams,
        body: z.object({
          handle: z.string().trim().min(1).max(253),
          appPassword: z.string().min(1).max(256),
          serviceUrl: z
            .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
            .max(2000)
            .optional(),
        }),
      },
    },
    async (request, reply) => {
      const { channel, created } = await connectBluesky(
        sql,
        { sealer: secretBox, signIn, tokenExpiry: jwtExpiry },
        { organizationId: orgOf(request).organizationId, ...request.body },
      );
      reply.status(created ? 201 : 200);
      return channel;
    },
  );

  app.delete(
    '/api/orgs/:orgId/channels/:channelId/connection',
    {
      config: { access: 'org', permission: 'channels.manage' },
      schema: {
        tags: ['channels'],
        summary: 'Disconnect a channel: forget its tokens, keep its queue (connect it again to resume)',
        params: channelParams,
      },
    },
    async (request) =>
      disconnectChannel(sql, {
        organizationId: orgOf(request).organizationId,
        channelId: request.params.channelId,
      }),
  );
}
