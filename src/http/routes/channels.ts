import { z } from 'zod';
import type { Sql } from '../../db/connection.ts';
import { createChannel, type Sealer } from '../../domain/channels/create-channel.ts';
import { deleteChannel } from '../../domain/channels/delete-channel.ts';
import { getChannel, listChannels } from '../../domain/channels/list-channels.ts';
import { setPostingSchedule } from '../../domain/channels/set-posting-schedule.ts';
import { updateChannel } from '../../domain/channels/update-channel.ts';
import { type PostingScheduleInput, parsePostingSchedule } from '../../domain/schedule/schedule.ts';
import { NETWORK_IDS } from '../../domain/text/network-rules.ts';
import type { Clock } from '../../ports/clock.ts';
import type { App } from '../app.ts';
import { orgOf } from '../plugins/auth.ts';
import { channelParams, orgParams } from '../schemas/ids.ts';

interface Deps {
  sql: Sql;
  clock: Clock;
  secretBox: Sealer;
}

const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2000);
/** Checked in full by the schedule rules, which name every problem in words. */
const scheduleDays = z.record(z.string(), z.array(z.string().max(5)).max(96));
const credentials = z.record(z.string(), z.unknown());

/** Channels (connected social accounts) and their posting schedules. */
export function registerChannelRoutes(app: App, { sql, clock, secretBox }: Deps): void {
  const now = () => clock.now();

  app.post(
    '/api/orgs/:orgId/channels',
    {
      config: { access: 'org', permission: 'channels.manage', idempotent: true },
      schema: {
        tags: ['channels'],
        summary: 'Add a channel (for networks whose connection flow is not built in yet)',
        params: orgParams,
        body: z.object({
          network: z.enum(NETWORK_IDS),
          accountId: z.string().trim().min(1).max(300),
          handle: z.string().trim().min(1).max(300),
          displayName: z.string().trim().max(300).default(''),
          avatarUrl: httpUrl.optional(),
          serviceUrl: httpUrl.optional(),
          timezone: z.string().max(100).default('UTC'),
          schedule: scheduleDays.default({}),
          credentials: credentials.optional(),
        }),
      },
    },
    async (request, reply) => {
      const { timezone, schedule, ...rest } = request.body;
      const channel = await createChannel(sql, secretBox, {
        ...rest,
        organizationId: orgOf(request).organizationId,
        schedule: parsePostingSchedule({ timezone, days: schedule } as PostingScheduleInput),
      });
      reply.status(201);
      return channel;
    },
  );

  app.get(
    '/api/orgs/:orgId/channels',
    {
      config: { access: 'org', permission: 'org.read' },
      schema: { tags: ['channels'], summary: "The organization's channels", params: orgParams },
    },
    async (request) => ({ channels: await listChannels(sql, orgOf(request).organizationId) }),
  );

  app.get(
    '/api/orgs/:orgId/channels/:channelId',
    {
      config: { access: 'org', permission: 'org.read' },
      schema: { tags: ['channels'], summary: 'One channel', params: channelParams },
    },
    async (request) => getChannel(sql, orgOf(request).organizationId, request.params.channelId),
  );

  app.patch(
    '/api/orgs/:orgId/channels/:channelId',
    {
      config: { access: 'org', permission: 'channels.manage' },
      schema: {
        tags: ['channels'],
        summary: "Change a channel's name, picture, time zone (re-times its queue) or credentials",
        params: channelParams,
        body: z.object({
          handle: z.string().trim().min(1).max(300).optional(),
          displayName: z.string().trim().max(300).optional(),
          avatarUrl: httpUrl.nullable().optional(),
          serviceUrl: httpUrl.nullable().optional(),
          timezone: z.string().max(100).optional(),
          credentials: credentials.nullable().optional(),
        }),
      },
    },
    async (request) =>
      updateChannel(sql, secretBox, now, {
        organizationId: orgOf(request).organizationId,
        channelId: request.params.channelId,
        changes: request.body,
      }),
  );

  app.put(
    '/api/orgs/:orgId/channels/:channelId/schedule',
    {
      config: { access: 'org', permission: 'channels.manage' },
      schema: {
        tags: ['channels'],
        summary: "Replace the channel's posting times (queued posts are re-timed; custom times stay)",
        params: channelParams,
        body: z.object({ timezone: z.string().max(100).optional(), days: scheduleDays }),
      },
    },
    async (request) =>
      setPostingSchedule(sql, now, {
        organizationId: orgOf(request).organizationId,
        channelId: request.params.channelId,
        timezone: request.body.timezone,
        days: request.body.days,
      }),
  );

  app.delete(
    '/api/orgs/:orgId/channels/:channelId',
    {
      config: { access: 'org', permission: 'channels.manage' },
      schema: { tags: ['channels'], summary: 'Remove a channel with its queue', params: channelParams },
    },
    async (request, reply) => {
      await deleteChannel(sql, {
        organizationId: orgOf(request).organizationId,
        channelId: request.params.channelId,
      });
      return reply.status(204).send();
    },
  );
}
