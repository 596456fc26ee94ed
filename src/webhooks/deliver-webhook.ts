import { createHmac } from 'node:crypto';
import type { Sql } from '../db/connection.ts';
import { webhookSecretContext } from '../domain/webhooks/webhooks.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { SsrfGuard } from '../security/ssrf-guard.ts';

export const WEBHOOK_JOB = 'webhook.deliver';
/** About 24 hours of retries: 20 s doubling, 12 times (20 s × (2¹² − 1) ≈ 22.8 h). */
export const WEBHOOK_RETRY = {
  retryLimit: 12,
  retryDelaySeconds: 20,
  retryBackoff: true,
  expireInSeconds: 60,
};

/**
 * Signs a payload as `Spool-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, so a
 * receiver can check it came from us and reject replays older than a few minutes.
 */
export function signWebhook(secret: string, body: string, timestamp: number): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

export async function queueDeliveries(jobs: JobQueue, ids: string[]): Promise<void> {
  for (const id of ids) await jobs.send(WEBHOOK_JOB, { deliveryId: id }, WEBHOOK_RETRY);
}

interface DeliveryRow {
  id: string;
  event: string;
  payload: Record<string, unknown>;
  created_at: Date;
  url: string;
  secret_sealed: string;
  webhook_id: string;
  active: boolean;
}

/** One delivery attempt; throws when it should be retried (pg-boss applies the backoff). */
export async function deliverWebhook(
  deps: { sql: Sql; box: SecretBox; guard: SsrfGuard; log: Logger },
  deliveryId: string,
  retryCount: number,
): Promise<void> {
  const [row] = await deps.sql<DeliveryRow[]>`
    select d.id, d.event, d.payload, d.created_at, w.url, w.secret_sealed, w.id as webhook_id, w.active
    from webhook_deliveries d join webhooks w on w.id = d.webhook_id
    where d.id = ${deliveryId} and d.status = 'pending'`;
  if (!row?.active) return; // delivered already, webhook deleted or switched off
  const body = JSON.stringify({
    id: row.id,
    event: row.event,
    createdAt: row.created_at.toISOString(),
    data: row.payload,
  });
  const secret = deps.box.open(row.secret_sealed, webhookSecretContext(row.webhook_id));
  let status: number | null = null;
  let error: string | null = null;
  try {
    const res = await deps.guard.post(
      row.url,
      body,
      {
        'content-type': 'application/json',
        'user-agent': 'Spool-Webhooks/1.0',
        'spool-event': row.event,
        'spool-delivery': row.id,
        'spool-signature': signWebhook(secret, body, Math.floor(Date.now() / 1000)),
      },
      { maxBytes: 16 * 1024, timeoutMs: 10_000, maxRedirects: 0 },
    );
    status = res.status;
    if (status < 200 || status >= 300) error = `the endpoint answered HTTP ${status}`;
  } catch (e) {
    error = (e as Error).message;
  }
  const final = retryCount >= WEBHOOK_RETRY.retryLimit;
  await deps.sql`
    update webhook_deliveries set
      attempts = attempts + 1, last_attempt_at = now(), last_status_code = ${status}, last_error = ${error},
      status = ${error === null ? 'delivered' : final ? 'failed' : 'pending'},
      delivered_at = ${error === null ? deps.sql`now()` : null}
    where id = ${row.id}`;
  if (error !== null && !final) throw new Error(`webhook delivery ${row.id} failed: ${error}`);
}
