import { z } from 'zod';
import type { Sql } from '../../db/connection.ts';
import { listQueue } from '../../domain/queue/list-queue.ts';
import { pauseQueue, resumeQueue } from '../../domain/queue/pause-queue.ts';
import { moveToTop, reorderQueue } from '../../domain/queue/reorder-queue.ts';
import { shuffleQueue } from '../../domain/queue/shuffle-queue.ts';
import type { Clock } from '../../ports/clock.ts';
import type { App } from '../app.ts';
import { orgOf } from '../plugins/auth.ts';
import { channelParams } from '../schemas/ids.ts';
import { decodeCursor, pageQuery, presentPage } from '../schemas/pagination.ts';

/** A channel's queue: listing, reordering, shuffling, pausing and resuming. */
export function registerQueueRoutes(app: App, { sql, clock }: { sql: Sql; clock: Clock }): void {
  const now = () => clock.now();
  const access = { access: 'org', permission: 'posts.publish' } as const;

  app.get(
    '/api/orgs/:orgId/channels/:channelId/queue',
    {
      config: { access: 'org', permission: 'org.read' },
      schema: {
        tags: ['queue'],
        summary: "The channel's upcoming posts (queued and custom-scheduled) in the order they go out",
        params: channelParams,
        querystring: z.object(pageQuery()),
      },
    },
    async (request) =>
      presentPage(
        await listQueue(sql, {
          organizationId: orgOf(request).organizationId,
          channelId: request.params.channelId,
          after: decodeCursor(request.query.cursor),
          limit: request.query.limit,
        }),
      ),
  );

  app.post(
    '/api/orgs/:orgId/channels/:channelId/queue/reorder',
    {
      config: access,
      schema: {
        tags: ['queue'],
        summary:
          'Move a queued post to a position in the queue (0 = next); the queue takes the slots in order',
        params: channelParams,
        body: z.object({ targetId: z.uuid().toLowerCase(), index: z.number().int().min(0) }),
      },
    },
    async (request) => ({
      target: await reorderQueue(sql, now, {
        organizationId: orgOf(request).organizationId,
        channelId: request.params.channelId,
        targetId: request.body.targetId,
        index: request.body.index,
      }),
    }),
  );

  app.post(
    '/api/orgs/:orgId/channels/:channelId/queue/move-to-top',
    {
      config: access,
      schema: {
        tags: ['queue'],
        summary: 'Move a queued post to the head of the queue',
        params: channelParams,
        body: z.object({ targetId: z.uuid().toLowerCase() }),
      },
    },
    async (request) => ({
      target: await moveToTop(sql, now, {
        organizationId: orgOf(request).organizationId,
        channelId: request.params.channelId,
        targetId: request.body.targetId,
      }),
    }),
  );

  app.post(
    '/api/orgs/:orgId/channels/:channelId/queue/shuffle',
    {
      config: access,
      schema: {
        tags: ['queue'],
        summary: 'Shuffle the queued posts (custom times stay)',
        params: channelParams,
      },
    },
    async (request) =>
      shuffleQueue(sql, now, {
        organizationId: orgOf(request).organizationId,
        channelId: request.params.channelId,
      }),
  );

  app.post(
    '/api/orgs/:orgId/channels/:channelId/pause',
    {
      config: access,
      schema: {
        tags: ['queue'],
        summary: "Pause the channel's queue: nothing is published",
        params: channelParams,
      },
    },
    async (request) =>
      pauseQueue(sql, now, {
        organizationId: orgOf(request).organizationId,
        channelId: request.params.channelId,
      }),
  );

  app.post(
    '/api/orgs/:orgId/channels/:channelId/resume',
    {
      config: access,
      schema: {
        tags: ['queue'],
        summary: 'Resume the queue; posts that fell due while paused take the next free slots',
        params: channelParams,
      },
    },
    async (request) =>
      resumeQueue(sql, now, {
        organizationId: orgOf(request).organizationId,
        channelId: request.params.channelId,
      }),
  );
}
