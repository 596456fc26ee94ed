import { z } from 'zod';
import type { Sql } from '../../db/connection.ts';
import {
  listNotifications,
  markAllNotificationsRead,
  markNotificationRead,
} from '../../domain/notifications/notifications.ts';
import type { App } from '../app.ts';
import { actorOf } from '../plugins/auth.ts';
import { instantSchema } from '../schemas/instant.ts';

/** In-app notifications (failed, unconfirmed, disconnected, approvals) for the signed-in person. */
export function registerNotificationRoutes(app: App, { sql }: { sql: Sql }): void {
  app.get(
    '/api/notifications',
    {
      config: { access: 'user' },
      schema: {
        tags: ['notifications'],
        summary: 'Your notifications, newest first, with the unread count',
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(100).default(30),
          before: instantSchema.optional(),
          unread: z.enum(['true', 'false']).default('false'),
        }),
      },
    },
    async (request) =>
      listNotifications(sql, actorOf(request).userId, {
        limit: request.query.limit,
        before: request.query.before ? new Date(request.query.before) : undefined,
        unreadOnly: request.query.unread === 'true',
      }),
  );

  app.post(
    '/api/notifications/:notificationId/read',
    {
      config: { access: 'user', scope: 'read' },
      schema: {
        tags: ['notifications'],
        summary: 'Mark one as read',
        params: z.object({ notificationId: z.uuid().toLowerCase() }),
      },
    },
    async (request, reply) => {
      await markNotificationRead(sql, actorOf(request).userId, request.params.notificationId);
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/notifications/read-all',
    {
      config: { access: 'user', scope: 'read' },
      schema: { tags: ['notifications'], summary: 'Mark all as read' },
    },
    async (request) => ({ marked: await markAllNotificationsRead(sql, actorOf(request).userId) }),
  );
}
