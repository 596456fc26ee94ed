import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobQueue } from '../../src/jobs/job-queue.ts';
import { createLogger } from '../../src/logger.ts';
import { SsrfGuard } from '../../src/security/ssrf-guard.ts';
import { deliverWebhook, WEBHOOK_JOB } from '../../src/webhooks/deliver-webhook.ts';
import { WebhookSink } from '../../src/webhooks/webhook-sink.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { signUpUser } from '../support/http-client.ts';
import { waitFor } from '../support/publishing-fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Outgoing webhooks end to end: HTTP API, pg-boss delivery with retries, HMAC signatures. */
describe('webhooks', () => {
  let db: TestDatabase;
  let t: TestApp;
  let jobs: JobQueue;
  let receiver: http.Server;
  let receiverUrl: string;
  const received: Received[] = [];
  let failNext = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    jobs = await JobQueue.start(db.url, createLogger('silent'));
    t = await startTestApp({ db, jobs, env: { SSRF_ALLOW_PRIVATE: 'true' } });
    const guard = new SsrfGuard({ allowPrivateAddresses: true });
    await jobs.work<{ deliveryId: string }>(
      WEBHOOK_JOB,
      (data, meta) =>
        deliverWebhook(
          { sql: db.sql, box: t.secretBox, guard, log: createLogger('silent') },
          data.deliveryId,
          meta.retryCount,
        ),
      { pollingIntervalSeconds: 0.5 },
    );
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        if (failNext > 0) {
          failNext--;
          res.writeHead(500).end('not now');
        } else res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  });
  afterAll(async () => {
    await jobs?.stop();
    await t?.close();
    await db?.drop();
    receiver?.close();
  });

  it('creates a webhook (secret shown once), signs deliveries, and logs them', async () => {
    const { client, organizationId } = await signUpUser(t.url);
    const created = await client.post<{ id: string; secret: string; events: string[] }>(
      `/api/orgs/${organizationId}/webhooks`,
      { url: receiverUrl, events: ['post.published', 'post.failed'] },
    );
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    const list = await client.get<{ webhooks: Record<string, unknown>[] }>(
      `/api/orgs/${organizationId}/webhooks`,
    );
    expect(JSON.stringify(list.body)).not.toContain(created.body.secret);
    const [raw] = await db.sql`select secret_sealed from webhooks where id = ${created.body.id}`;
    expect(raw!.secret_sealed).not.toContain(created.body.secret.slice(6));

    // A publishing event for this organization becomes a signed delivery.
    const before = received.length;
    await new WebhookSink(db.sql, jobs).handle([
      {
        name: 'post.published',
        organizationId,
        authorUserId: null,
        postId: crypto.randomUUID(),
        targetId: crypto.randomUUID(),
        channelId: crypto.randomUUID(),
        network: 'mastodon',
        handle: 'ana',
        networkPostId: '42',
        networkPostUrl: 'https://social.example/@ana/42',
      },
    ]);
    await waitFor(async () => received.length > before, 15_000);
    const delivery = received.at(-1)!;
    expect(delivery.headers['spool-event']).toBe('post.published');
    const [, ts, mac] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(delivery.headers['spool-signature']))!;
    expect(createHmac('sha256', created.body.secret).update(`${ts}.${delivery.body}`).digest('hex')).toBe(
      mac,
    );
    expect(Math.abs(Date.now() / 1000 - Number(ts))).toBeLessThan(60);
    expect(JSON.parse(delivery.body)).toMatchObject({
      event: 'post.published',
      data: { url: 'https://social.example/@ana/42' },
    });

    const log = await waitFor(async () => {
      const res = await client.get<{
        deliveries: { status: string; attempts: number; lastStatusCode: number }[];
      }>(`/api/orgs/${organizationId}/webhooks/${created.body.id}/deliveries`);
      return res.body.deliveries[0]?.status === 'delivered' ? res.body.deliveries : undefined;
    });
    expect(log[0]).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 204 });
  });

  it('retries a failing endpoint with backoff until it accepts', async () => {
    const { client, organizationId } = await signUpUser(t.url);
    const hook = await client.post<{ id: string }>(`/api/orgs/${organizationId}/webhooks`, {
      url: receiverUrl,
      events: ['channel.disconnected'],
    });
    // Make retries quick for the test: the first attempt fails, pg-boss retries after its delay.
    failNext = 1;
    const ping = await client.post<{ deliveryId: string }>(
      `/api/orgs/${organizationId}/webhooks/${hook.body.id}/test`,
    );
    expect(ping.status).toBe(202);
    await waitFor(async () => {
      const [row] =
        await db.sql`select attempts, status, last_status_code from webhook_deliveries where id = ${ping.body.deliveryId}`;
      return row?.attempts === 1 && row.status === 'pending' && row.last_status_code === 500
        ? row
        : undefined;
    }, 15_000);
    const done = await waitFor(
      async () => {
        // The job waits out its backoff (20 s); move it along instead of sleeping.
        await db.sql`update pgboss.job set start_after = now()
                   where data->>'deliveryId' = ${ping.body.deliveryId} and state = 'retry'`;
        const [row] =
          await db.sql`select attempts, status, last_status_code from webhook_deliveries where id = ${ping.body.deliveryId}`;
        return row?.status === 'delivered' ? row : undefined;
      },
      20_000,
      250,
    );
    expect(done).toMatchObject({ attempts: 2, last_status_code: 204 });
  });

  it('refuses URLs that are not http(s) or carry credentials, and hides other organizations’ webhooks', async () => {
    const { client, organizationId } = await signUpUser(t.url);
    for (const url of ['ftp://example.com/x', 'https://user:pw@example.com/x', 'not a url']) {
      const res = await client.post(`/api/orgs/${organizationId}/webhooks`, { url, events: ['post.failed'] });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: { code: 'request.invalid' } });
    }
    const other = await signUpUser(t.url);
    const hook = await other.client.post<{ id: string }>(`/api/orgs/${other.organizationId}/webhooks`, {
      url: receiverUrl,
      events: ['post.failed'],
    });
    const sneaky = await client.get(`/api/orgs/${organizationId}/webhooks/${hook.body.id}/deliveries`);
    expect(sneaky.status).toBe(404);
    const cross = await client.get(`/api/orgs/${other.organizationId}/webhooks`);
    expect(cross.status).toBe(404);
  });
});
