import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../sim/server.ts';
import { JobQueue } from '../../src/jobs/job-queue.ts';
import { createLogger } from '../../src/logger.ts';
import {
  emailNotification,
  NOTIFICATION_EMAIL_JOB,
  queueNotificationEmails,
} from '../../src/notifications/email-notifications.ts';
import { BufferedPublishEvents, NotificationSink } from '../../src/publisher/publish-events.ts';
import type { Publisher } from '../../src/publisher/publisher.ts';
import { createPublisher } from '../../src/publisher/start-publisher.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { signUpUser } from '../support/http-client.ts';
import { seedChannels, seedTargets, waitFor } from '../support/publishing-fixtures.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/** "Telling people": a failed post creates an in-app notification and an email to its author. */
describe('publishing problems reach the author', () => {
  let db: TestDatabase;
  let t: TestApp;
  let sim: Simulator;
  let jobs: JobQueue;
  let publisher: Publisher;
  let events: BufferedPublishEvents;
  let sink: Awaited<ReturnType<typeof startSmtpSink>>;

  beforeAll(async () => {
    db = await createTestDatabase();
    sink = await startSmtpSink();
    t = await startTestApp({
      db,
      env: { SMTP_URL: sink.url, PUBLIC_URL: 'https://spool.example', SSRF_ALLOW_PRIVATE: 'true' },
    });
    sim = await startSimulator();
    const log = createLogger('silent');
    jobs = await JobQueue.start(db.url, log);
    await jobs.work<{ notificationId: string }>(
      NOTIFICATION_EMAIL_JOB,
      (data) =>
        emailNotification(
          { sql: db.sql, mailer: t.mailer, baseUrl: 'https://spool.example', log },
          data.notificationId,
        ),
      { pollingIntervalSeconds: 0.5 },
    );
    events = new BufferedPublishEvents(
      [new NotificationSink(db.sql, (ids) => queueNotificationEmails(jobs, ids))],
      log,
      20,
    );
    publisher = createPublisher({
      config: t.config,
      sql: db.sql,
      secretBox: t.secretBox,
      log,
      registry: new Registry(),
      events,
    });
    await publisher.start();
  });
  afterAll(async () => {
    await publisher?.stop(2_000);
    await jobs?.stop();
    await sim?.close();
    await t?.close();
    await sink?.close();
    await db?.drop();
  });

  it('notifies in the app and by email, in words, and lets the person mark it read', async () => {
    const person = await signUpUser(t.url);
    const res = await fetch(`${sim.url}/_sim/accounts`, {
      method: 'POST',
      body: JSON.stringify({ network: 'mastodon' }),
    });
    const acct = (await res.json()) as { id: string; username: string; accessToken: string };
    const [channelId] = await seedChannels(db.sql, t.secretBox, person.organizationId, [
      {
        network: 'mastodon',
        accountId: acct.id,
        handle: acct.username,
        serviceUrl: `${sim.url}/mastodon`,
        credentials: { accessToken: acct.accessToken },
      },
    ]);
    // Longer than the instance accepts: the network refuses it for good.
    await seedTargets(db.sql, person.organizationId, person.userId, [
      { channelId: channelId!, text: `too long ${'x'.repeat(600)}`, dueAt: new Date() },
    ]);

    const list = await waitFor(async () => {
      const res = await person.client.get<{
        notifications: { id: string; kind: string; title: string; body: string }[];
        unread: number;
      }>('/api/notifications');
      return res.body.notifications?.length ? res.body : undefined;
    });
    expect(list.unread).toBe(1);
    expect(list.notifications[0]).toMatchObject({ kind: 'post.failed' });
    expect(list.notifications[0]!.title).toMatch(/A post to Mastodon \(user\d+\) failed/);
    expect(list.notifications[0]!.body).toMatch(/refused the post/);

    const mail = await sink.waitForMessage(person.email);
    expect(mail.subject).toMatch(/failed/);
    expect(mail.text).toMatch(/refused the post/);
    expect(mail.text).toContain('https://spool.example/notifications?target=');

    const read = await person.client.post(`/api/notifications/${list.notifications[0]!.id}/read`);
    expect(read.status).toBe(204);
    const after = await person.client.get<{ unread: number }>('/api/notifications');
    expect(after.body.unread).toBe(0);

    // Someone else cannot see or touch it.
    const stranger = await signUpUser(t.url);
    const theirs = await stranger.client.get<{ notifications: unknown[] }>('/api/notifications');
    expect(theirs.body.notifications).toEqual([]);
    const touch = await stranger.client.post(`/api/notifications/${list.notifications[0]!.id}/read`);
    expect(touch.status).toBe(404);
  });
});
