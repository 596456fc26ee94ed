import { z } from 'zod';
import type { Sql } from '../../db/connection.ts';
import { listOrganizationAuditEvents } from '../../domain/accounts/organizations.ts';
import type { App } from '../app.ts';
import { orgOf } from '../plugins/auth.ts';

/** The organization's security log (sign-ins, tokens, role changes...), for its owners. */
export function registerAuditRoutes(app: App, { sql }: { sql: Sql }): void {
  app.get(
    '/api/orgs/:orgId/audit-events',
    {
      config: { access: 'org', permission: 'org.own' },
      schema: {
        tags: ['organizations'],
        summary: 'Security events, newest first; pass `nextCursor` back as `cursor` for the next page',
        params: z.object({ orgId: z.uuid().toLowerCase() }),
        querystring: z.object({
          cursor: z
            .string()
            .regex(/^[1-9]\d{0,17}$/, { message: 'must be the nextCursor of a previous page' })
            .optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
      },
    },
    async (request) => listOrganizationAuditEvents(sql, orgOf(request).organizationId, request.query),
  );
}
