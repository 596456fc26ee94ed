import { randomBytes } from 'node:crypto';
import type { Sql } from '../../db/connection.ts';
import type { SecretBox } from '../../security/secret-box.ts';
import { SpoolError } from '../errors.ts';

export const WEBHOOK_EVENTS = [
  'post.published',
  'post.failed',
  'post.unconfirmed',
  'channel.disconnected',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface WebhookView {
  id: string;
  url: string;
  events: WebhookEvent[];
  active: boolean;
  createdAt: Date;
}

interface WebhookRow {
  id: string;
  url: string;
  events: WebhookEvent[];
  active: boolean;
  created_at: Date;
}

const present = (r: WebhookRow): WebhookView => ({
  id: r.id,
  url: r.url,
  events: r.events,
  active: r.active,
  createdAt: r.created_at,
});

export const webhookSecretContext = (id: string) => `webhook:${id}`;

const notFound = () =>
  new SpoolError('webhook.not_found', 'There is no such webhook in this organization.', 'not_found');

/** Creates a webhook; its signing secret is returned once here and sealed at rest. */
export async function createWebhook(
  sql: Sql,
  box: SecretBox,
  organizationId: string,
  userId: string,
  input: { url: string; events: WebhookEvent[] },
): Promise<{ webhook: WebhookView; secret: string }> {
  const id = crypto.randomUUID();
  const secret = `whsec_${randomBytes(24).toString('base64url')}`;
  const [row] = await sql<WebhookRow[]>`
    insert into webhooks (id, organization_id, url, secret_sealed, events, created_by)
    values (${id}, ${organizationId}, ${input.url}, ${box.seal(secret, webhookSecretContext(id))},
            ${[...new Set(input.events)]}, ${userId})
    returning id, url, events, active, created_at`;
  return { webhook: present(row!), secret };
}

export async function listWebhooks(sql: Sql, organizationId: string): Promise<WebhookView[]> {
  const rows = await sql<WebhookRow[]>`
    select id, url, events, active, created_at from webhooks where organization_id = ${organizationId}
    order by created_at`;
  return rows.map(present);
}

export async function updateWebhook(
  sql: Sql,
  organizationId: string,
  id: string,
  input: { url?: string | undefined; events?: WebhookEvent[] | undefined; active?: boolean | undefined },
): Promise<WebhookView> {
  const [row] = await sql<WebhookRow[]>`
    update webhooks set
      url = coalesce(${input.url ?? null}, url),
      events = coalesce(${input.events ? [...new Set(input.events)] : null}::text[], events),
      active = coalesce(${input.active ?? null}::boolean, active)
    where id = ${id} and organization_id = ${organizationId}
    returning id, url, events, active, created_at`;
  if (!row) throw notFound();
  return present(row);
}

export async function deleteWebhook(sql: Sql, organizationId: string, id: string): Promise<void> {
  const rows =
    await sql`delete from webhooks where id = ${id} and organization_id = ${organizationId} returning id`;
  if (rows.length === 0) throw notFound();
}

export async function revealWebhookSecret(sql: Sql, box: SecretBox, organizationId: string, id: string) {
  const [row] = await sql<{ secret_sealed: string }[]>`
    select secret_sealed from webhooks where id = ${id} and organization_id = ${organizationId}`;
  if (!row) throw notFound();
  return box.open(row.secret_sealed, webhookSecretContext(id));
}

export interface DeliveryView {
  id: string;
  event: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  lastAttemptAt: Date | null;
  deliveredAt: Date | null;
}

/** The delivery log of one webhook, newest first, with cursor pagination on creation time. */
export async function listDeliveries(
  sql: Sql,
  organizationId: string,
  webhookId: string,
  page: { limit: number; before?: Date | undefined },
): Promise<DeliveryView[]> {
  const [hook] =
    await sql`select 1 from webhooks where id = ${webhookId} and organization_id = ${organizationId}`;
  if (!hook) throw notFound();
  return sql<DeliveryView[]>`
    select id, event, status, attempts, last_status_code as "lastStatusCode", last_error as "lastError",
           created_at as "createdAt", last_attempt_at as "lastAttemptAt", delivered_at as "deliveredAt"
    from webhook_deliveries
    where webhook_id = ${webhookId} and (${page.before ?? null}::timestamptz is null or created_at < ${page.before ?? null})
    order by created_at desc limit ${page.limit}`;
}

/** Queues deliveries of these events to every active webhook subscribed to them; returns the ids. */
export async function recordDeliveries(
  sql: Sql,
  events: { organizationId: string; name: string; payload: Record<string, unknown> }[],
): Promise<string[]> {
  if (events.length === 0) return [];
  const rows = await sql<{ id: string }[]>`
    insert into webhook_deliveries (webhook_id, organization_id, event, payload)
    select w.id, w.organization_id, e.name, e.payload
    from json_to_recordset(${JSON.stringify(events)}::text::json)
      as e("organizationId" uuid, name text, payload jsonb)
    join webhooks w on w.organization_id = e."organizationId" and w.active and e.name = any(w.events)
    returning id`;
  return rows.map((r) => r.id);
}
