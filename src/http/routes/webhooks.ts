import { z } from 'zod';
import type { Config } from '../../config/config.ts';
import type { Sql } from '../../db/connection.ts';
import { SpoolError } from '../../domain/errors.ts';
import {
  createWebhook,
  deleteWebhook,
  listDeliveries,
  listWebhooks,
  revealWebhookSecret,
  updateWebhook,
  WEBHOOK_EVENTS,
} from '../../domain/webhooks/webhooks.ts';
import type { JobQueue } from '../../jobs/job-queue.ts';
import type { SecretBox } from '../../security/secret-box.ts';
import { classifyAddress } from '../../security/ssrf-guard.ts';
import { queueDeliveries } from '../../webhooks/deliver-webhook.ts';
import type { App } from '../app.ts';
import { actorOf, orgOf } from '../plugins/auth.ts';
import { instantSchema } from '../schemas/instant.ts';

interface Deps {
  sql: Sql;
  config: Config;
  secretBox: SecretBox;
  jobs: JobQueue | undefined;
}

const orgParams = z.object({ orgId: z.uuid().toLowerCase() });
const hookParams = z.object({ orgId: z.uuid().toLowerCase(), webhookId: z.uuid().toLowerCase() });

const parsed = (v: string): URL | undefined => {
  try {
    return new URL(v);
  } catch {
    return undefined;
  }
};

/** Webhook URLs are user-supplied: https (or http), no credentials, no private address literals. */
function webhookUrl(config: Config) {
  return z
    .string()
    .max(2000)
    .refine((v) => parsed(v) !== undefined, {
      message: 'must be a URL such as https://example.com/hooks/spool',
      abort: true,
    })
    .refine((v) => /^https?:$/.test(parsed(v)!.protocol), {
      message: 'must start with https:// or http://',
      abort: true,
    })
    .refine((v) => !parsed(v)!.username && !parsed(v)!.password, {
      message: 'must not contain a user name or password',
    })
    .refine(
      (v) => {
        const host = parsed(v)!.hostname.replace(/^\[|\]$/g, '');
        return config.ssrfAllowPrivate || !/^[\d.:a-f]+$/i.test(host) || classifyAddress(host).allowed;
      },
      { message: 'must point at a public address' },
    );
}

/** Outgoing webhooks per organization (admins and owners), with their delivery log. */
export function registerWebhookRoutes(app: App, { sql, config, secretBox, jobs }: Deps): void {
  const manage = { access: 'org' as const, permission: 'members.manage' as const };
  const events = z.array(z.enum(WEBHOOK_EVENTS)).min(1).max(WEBHOOK_EVENTS.length);

  app.get(
    '/api/orgs/:orgId/webhooks',
    { config: manage, schema: { tags: ['webhooks'], summary: 'List webhooks', params: orgParams } },
    async (request) => ({ webhooks: await listWebhooks(sql, orgOf(request).organizationId) }),
  );

  app.post(
    '/api/orgs/:orgId/webhooks',
    {
      config: manage,
      schema: {
        tags: ['webhooks'],
        summary: 'Create a webhook (its signing secret is shown once)',
        params: orgParams,
        body: z.object({ url: webhookUrl(config), events }),
      },
    },
    async (request, reply) => {
      const created = await createWebhook(
        sql,
        secretBox,
        orgOf(request).organizationId,
        actorOf(request).userId,
        request.body,
      );
      reply.status(201);
      return { ...created.webhook, secret: created.secret };
    },
  );

  app.patch(
    '/api/orgs/:orgId/webhooks/:webhookId',
    {
      config: manage,
      schema: {
        tags: ['webhooks'],
        summary: 'Change a webhook',
        params: hookParams,
        body: z.object({
          url: webhookUrl(config).optional(),
          events: events.optional(),
          active: z.boolean().optional(),
        }),
      },
    },
    async (request) =>
      updateWebhook(sql, orgOf(request).organizationId, request.params.webhookId, request.body),
  );

  app.delete(
    '/api/orgs/:orgId/webhooks/:webhookId',
    { config: manage, schema: { tags: ['webhooks'], summary: 'Delete a webhook', params: hookParams } },
    async (request, reply) => {
      await deleteWebhook(sql, orgOf(request).organizationId, request.params.webhookId);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/orgs/:orgId/webhooks/:webhookId/secret',
    {
      config: manage,
      schema: { tags: ['webhooks'], summary: "Reveal a webhook's signing secret", params: hookParams },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return {
        secret: await revealWebhookSecret(
          sql,
          secretBox,
          orgOf(request).organizationId,
          request.params.webhookId,
        ),
      };
    },
  );

  app.get(
    '/api/orgs/:orgId/webhooks/:webhookId/deliveries',
    {
      config: manage,
      schema: {
        tags: ['webhooks'],
        summary: 'The delivery log, newest first',
        params: hookParams,
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(100).default(50),
          before: instantSchema.optional(),
        }),
      },
    },
    async (request) => ({
      deliveries: await listDeliveries(sql, orgOf(request).organizationId, request.params.webhookId, {
        limit: request.query.limit,
        before: request.query.before ? new Date(request.query.before) : undefined,
      }),
    }),
  );

  app.post(
    '/api/orgs/:orgId/webhooks/:webhookId/test',
    { config: manage, schema: { tags: ['webhooks'], summary: 'Send a test delivery', params: hookParams } },
    async (request, reply) => {
      if (!jobs)
        throw new SpoolError('jobs.unavailable', 'Background jobs are not running here.', 'unavailable');
      const { organizationId } = orgOf(request);
      const [row] = await sql<{ id: string }[]>`
        insert into webhook_deliveries (webhook_id, organization_id, event, payload)
        select id, organization_id, 'webhook.test', ${sql.json({ message: 'A test delivery from Spool.' })}
        from webhooks where id = ${request.params.webhookId} and organization_id = ${organizationId}
        returning id`;
      if (!row)
        throw new SpoolError(
          'webhook.not_found',
          'There is no such webhook in this organization.',
          'not_found',
        );
      await queueDeliveries(jobs, [row.id]);
      reply.status(202);
      return { deliveryId: row.id };
    },
  );
}
