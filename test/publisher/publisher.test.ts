import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../sim/server.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/logger.ts';
import { BufferedPublishEvents, NotificationSink } from '../../src/publisher/publish-events.ts';
import type { Publisher } from '../../src/publisher/publisher.ts';
import { createPublisher } from '../../src/publisher/start-publisher.ts';
import { SecretBox } from '../../src/security/secret-box.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import {
  seedChannels,
  seedOrganization,
  seedTargets,
  targetRows,
  waitFor,
} from '../support/publishing-fixtures.ts';

/**
 * The publisher end to end: real PostgreSQL, real adapters, real HTTP to the network simulator
 * with injected faults. Each test uses its own simulated accounts and channels.
 */
describe('publisher', () => {
  let db: TestDatabase;
  let sim: Simulator;
  let publisher: Publisher;
  let events: BufferedPublishEvents;
  let org: { organizationId: string; userId: string };
  const box = new SecretBox(randomBytes(32));

  beforeAll(async () => {
    db = await createTestDatabase();
    sim = await startSimulator({ seed: 7 });
    org = await seedOrganization(db.sql);
    const config = loadConfig({
      DATABASE_URL: db.url,
      SPOOL_SECRET_KEY: randomBytes(32).toString('hex'),
      PUBLISH_LEASE_MS: '1500',
      PUBLISH_RETRY_BASE_MS: '50',
      PUBLISH_REQUEST_TIMEOUT_MS: '800',
      PUBLISH_MAX_ATTEMPTS: '5',
      // The simulator listens on loopback, which production refuses as a user-chosen server.
      SSRF_ALLOW_PRIVATE: 'true',
    });
    const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
    events = new BufferedPublishEvents([new NotificationSink(db.sql)], log, 20);
    publisher = createPublisher({
      config,
      sql: db.sql,
      secretBox: box,
      log,
      registry: new Registry(),
      events,
    });
    await publisher.start();
  });
  afterAll(async () => {
    await publisher?.stop(2_000);
    await sim?.close();
    await db?.drop();
  });
  beforeEach(() => sim.setFaults({}));

  async function account(network: 'mastodon' | 'x') {
    const res = await fetch(`${sim.url}/_sim/accounts`, {
      method: 'POST',
      body: JSON.stringify({ network }),
    });
    return (await res.json()) as {
      id: string;
      username: string;
      accessToken: string;
      refreshToken: string | null;
    };
  }

  async function channel(network: 'mastodon' | 'x', credentials = true) {
    const acct = await account(network);
    const [id] = await seedChannels(db.sql, box, org.organizationId, [
      {
        network,
        accountId: acct.id,
        handle: acct.username,
        serviceUrl: `${sim.url}/${network}`,
        credentials: credentials
          ? {
              accessToken: acct.accessToken,
              ...(acct.refreshToken ? { refreshToken: acct.refreshToken } : {}),
            }
          : null,
      },
    ]);
    return { channelId: id!, account: acct };
  }

  const postsOf = (accountId: string) =>
    sim.state.listPosts({ accountId }).filter((p) => p.deletedAt === null);
  const settled = (ids: string[], statuses = ['published', 'failed', 'unconfirmed']) =>
    waitFor(async () => {
      const rows = await targetRows(db.sql, ids);
      return rows.length === ids.length && rows.every((r) => statuses.includes(r.status)) ? rows : undefined;
    });

  it('publishes a due post once, storing the network id and URL', async () => {
    const { channelId, account: acct } = await channel('mastodon');
    const [id] = await seedTargets(db.sql, org.organizationId, org.userId, [
      { channelId, text: 'Hello from Spool', dueAt: new Date(Date.now() - 1_000) },
    ]);
    const [row] = await settled([id!]);
    expect(row!.status).toBe('published');
    const posts = postsOf(acct.id);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.text).toBe('Hello from Spool');
    expect(row!.network_post_id).toBe(posts[0]!.id);
    expect(row!.network_post_url).toMatch(new RegExp(`${posts[0]!.id}$`));
  });

  it('publishes a future post at its time, not at the next minute', async () => {
    const { channelId } = await channel('x');
    const due = new Date(Date.now() + 1_500);
    const [id] = await seedTargets(db.sql, org.organizationId, org.userId, [
      { channelId, text: 'on time', dueAt: due },
    ]);
    const [row] = await settled([id!]);
    expect(row!.status).toBe('published');
    const lag = row!.published_at!.getTime() - due.getTime();
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(500);
  });

  it('publishes a thread as a reply chain, in order', async () => {
    const { channelId, account: acct } = await channel('mastodon');
    const [id] = await seedTargets(db.sql, org.organizationId, org.userId, [
      { channelId, text: 'one', dueAt: new Date(), thread: [{ text: 'two' }, { text: 'three' }] },
    ]);
    await settled([id!]);
    const posts = postsOf(acct.id).sort((a, b) => a.createdAt - b.createdAt);
    expect(posts.map((p) => p.text)).toEqual(['one', 'two', 'three']);
    expect(posts[1]!.inReplyToId).toBe(posts[0]!.id);
    expect(posts[2]!.inReplyToId).toBe(posts[1]!.id);
  });

  it('keeps one publish in flight per channel', async () => {
    const { channelId, account: acct } = await channel('mastodon');
    sim.setFaults({ accounts: { [acct.id]: { latency: { kind: 'fixed', ms: 120 } } } });
    const ids = await seedTargets(
      db.sql,
      org.organizationId,
      org.userId,
      [0, 1, 2, 3].map((i) => ({ channelId, text: `serial ${i}`, dueAt: new Date(Date.now() - 1_000 + i) })),
    );
    await settled(ids);
    const times = postsOf(acct.id)
      .map((p) => p.createdAt)
      .sort((a, b) => a - b);
    expect(times).toHaveLength(4);
    // Each request waits 120 ms before it is handled: with one in flight they are ≥ 120 ms apart.
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(100);
  });

  it("delays only the rate-limited channel by the network's Retry-After", async () => {
    const limited = await channel('mastodon');
    const free = await channel('mastodon');
    sim.setFaults({ accounts: { [limited.account.id]: { rateLimitRate: 1, retryAfterSeconds: 1 } } });
    const [a, b] = await seedTargets(db.sql, org.organizationId, org.userId, [
      { channelId: limited.channelId, text: 'limited', dueAt: new Date() },
      { channelId: free.channelId, text: 'free', dueAt: new Date() },
    ]);
    const [freeRow] = await settled([b!]);
    expect(freeRow!.status).toBe('published');
    const [blocked] = await targetRows(db.sql, [a!]);
    expect(blocked!.status).toBe('scheduled');
    expect(blocked!.last_error_code).toBe('rate_limited');
    expect(blocked!.attempts).toBe(0); // a rate limit does not use up the retry budget
    sim.setFaults({});
    const [row] = await settled([a!]);
    expect(row!.status).toBe('published');
    expect(row!.published_at!.getTime() - freeRow!.published_at!.getTime()).toBeGreaterThanOrEqual(900);
  });

  it('retries a Mastodon post whose answer was lost, without posting twice (Idempotency-Key)', async () => {
    const { channelId, account: acct } = await channel('mastodon');
    sim.setFaults({ accounts: { [acct.id]: { timeoutAfterStoreRate: 1, hangMs: 2_000 } } });
    const [id] = await seedTargets(db.sql, org.organizationId, org.userId, [
      { channelId, text: 'stored but unanswered', dueAt: new Date() },
    ]);
    await waitFor(async () => postsOf(acct.id).length === 1);
    await waitFor(async () => (await targetRows(db.sql, [id!]))[0]!.attempts >= 1);
    sim.setFaults({});
    const [row] = await settled([id!]);
    expect(row!.status).toBe('published');
    expect(postsOf(acct.id)).toHaveLength(1);
    expect(row!.network_post_id).toBe(postsOf(acct.id)[0]!.id);
    expect(sim.state.stats().duplicates.byIdempotencyKey).toBe(0);
  });

  it('fails a post the network refuses, with its reason, and tells the author', async () => {
    const { channelId } = await channel('mastodon');
    const [id] = await seedTargets(db.sql, org.organizationId, org.userId, [
      { channelId, text: 'x'.repeat(600), dueAt: new Date() },
    ]);
    const [row] = await settled([id!]);
    expect(row!.status).toBe('failed');
    expect(row!.last_error).toMatch(/refused the post/);
    await events.flush();
    const notes = await db.sql`select kind, title, body from notifications where target_id = ${id!}`;
    expect(notes).toEqual([expect.objectContaining({ kind: 'post.failed' })]);
    expect(notes[0]!.title).toMatch(/failed/);
  });

  it('retries server errors with backoff, then fails after the retry budget', async () => {
    const { channelId, account: acct } = await channel('mastodon');
    sim.setFaults({ accounts: { [acct.id]: { serverErrorRate: 1 } } });
    const [id] = await seedTargets(db.sql, org.organizationId, org.userId, [
      { channelId, text: 'doomed', dueAt: new Date() },
    ]);
    const [row] = await settled([id!]);
    expect(row!.status).toBe('failed');
    expect(row!.attempts).toBe(5);
    expect(row!.last_error).toMatch(/Spool tried 5 times/);
    expect(postsOf(acct.id)).toHaveLength(0);
  });

  it('refreshes an expired X token and publishes; without a refresh token the channel asks to reconnect', async () => {
    const ok = await channel('x');
    await fetch(`${sim.url}/_sim/tokens/expire`, {
      method: 'POST',
      body: JSON.stringify({ accessToken: ok.account.accessToken }),
    });
    const [id] = await seedTargets(db.sql, org.organizationId, org.userId, [
      { channelId: ok.channelId, text: 'after refresh', dueAt: new Date() },
    ]);
    const [row] = await settled([id!]);
    expect(row!.status).toBe('published');

    const broken = await channel('mastodon');
    await fetch(`${sim.url}/_sim/tokens/expire`, {
      method: 'POST',
      body: JSON.stringify({ accessToken: broken.account.accessToken }),
    });
    const [waiting] = await seedTargets(db.sql, org.organizationId, org.userId, [
      { channelId: broken.channelId, text: 'waits for reconnect', dueAt: new Date() },
    ]);
    const [ch] = await waitFor(async () => {
      const rows =
        await db.sql`select connection_state, connection_error from channels where id = ${broken.channelId}`;
      return rows[0]?.connection_state === 'needs_reconnect' ? rows : undefined;
    });
    expect(ch!.connection_error).toMatch(/no longer accepts/);
    const [held] = await targetRows(db.sql, [waiting!]);
    expect(held!.status).toBe('scheduled'); // not failed: it goes out once the channel is reconnected
    expect(postsOf(broken.account.id)).toHaveLength(0);
  });

  it('never sends a post of a paused channel or a deleted post', async () => {
    const { channelId, account: acct } = await channel('mastodon');
    await db.sql`update channels set paused = true where id = ${channelId}`;
    const [id] = await seedTargets(db.sql, org.organizationId, org.userId, [
      { channelId, text: 'paused', dueAt: new Date() },
    ]);
    await new Promise((r) => setTimeout(r, 600));
    expect((await targetRows(db.sql, [id!]))[0]!.status).toBe('scheduled');
    await db.sql`delete from posts where id = (select post_id from post_targets where id = ${id!})`;
    await db.sql`update channels set paused = false where id = ${channelId}`;
    await db.sql`select pg_notify('spool_due', 'test')`;
    await new Promise((r) => setTimeout(r, 600));
    expect(postsOf(acct.id)).toHaveLength(0);
  });

  it("never lets one channel's long backlog starve the others", async () => {
    const stuck = await channel('mastodon');
    const free = await channel('mastodon');
    // A rate-limited channel with more due posts than one claim scans, all due before the other.
    await db.sql`update channels set publish_blocked_until = now() + interval '1 hour' where id = ${stuck.channelId}`;
    const old = new Date(Date.now() - 600_000);
    await seedTargets(
      db.sql,
      org.organizationId,
      org.userId,
      Array.from({ length: 2_100 }, (_, i) => ({
        channelId: stuck.channelId,
        text: `backlog ${i}`,
        dueAt: old,
      })),
    );
    const [id] = await seedTargets(db.sql, org.organizationId, org.userId, [
      { channelId: free.channelId, text: 'not starved', dueAt: new Date() },
    ]);
    const [row] = await settled([id!]);
    expect(row!.status).toBe('published');
    expect(postsOf(stuck.account.id)).toHaveLength(0);
    await db.sql`delete from posts where id in (select post_id from post_targets where channel_id = ${stuck.channelId})`;
  });

  it('recovers the attempt of a worker that died, and publishes it once', async () => {
    const { channelId, account: acct } = await channel('mastodon');
    // Simulate a claim by a worker that was then killed: publishing, lease already expired.
    const [id] = await seedTargets(db.sql, org.organizationId, org.userId, [
      { channelId, text: 'orphaned', dueAt: new Date() },
    ]);
    await db.sql`update post_targets set status = 'publishing', attempt_id = gen_random_uuid(), attempts = 1,
                 lease_expires_at = now() - interval '1 second', attempt_started_at = now() where id = ${id!}`;
    const [row] = await settled([id!]);
    expect(row!.status).toBe('published');
    expect(postsOf(acct.id)).toHaveLength(1);
  });
});
