import { z } from 'zod';
import type { Sql } from '../../db/connection.ts';
import { listCalendar } from '../../domain/posts/list-calendar.ts';
import type { App } from '../app.ts';
import { orgOf } from '../plugins/auth.ts';
import { orgParams } from '../schemas/ids.ts';
import { instantSchema } from '../schemas/instant.ts';
import { decodeCursor, pageQuery, presentPage } from '../schemas/pagination.ts';
import { POST_TABS, postTabSchema } from '../schemas/posts.ts';

/** The calendar: every post of the organization due in a date range. */
export function registerCalendarRoutes(app: App, { sql }: { sql: Sql }): void {
  app.get(
    '/api/orgs/:orgId/calendar',
    {
      config: { access: 'org', permission: 'org.read' },
      schema: {
        tags: ['calendar'],
        summary: 'Posts of the organization due in [from, to) (at most 62 days), in due order',
        params: orgParams,
        querystring: z.object({
          from: instantSchema,
          to: instantSchema,
          channelId: z.uuid().toLowerCase().optional(),
          groupId: z.uuid().toLowerCase().optional(),
          status: postTabSchema.optional(),
          tag: z.string().trim().min(1).max(50).optional(),
          ...pageQuery(100),
        }),
      },
    },
    async (request) => {
      const { query } = request;
      return presentPage(
        await listCalendar(sql, {
          organizationId: orgOf(request).organizationId,
          from: new Date(query.from),
          to: new Date(query.to),
          channelId: query.channelId,
          groupId: query.groupId,
          statuses: query.status ? POST_TABS[query.status] : undefined,
          tag: query.tag,
          after: decodeCursor(query.cursor),
          limit: query.limit,
        }),
      );
    },
  );
}
