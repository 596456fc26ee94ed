import { randomBytes } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MastodonNotificationFollower } from '../../src/engagement/mastodon-notifications.ts';
import { createLogger } from '../../src/logger.ts';
import { SecretBox } from '../../src/security/secret-box.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { seedChannels, seedOrganization, waitFor } from '../support/publishing-fixtures.ts';

/**
 * Live Mastodon engagement over the streaming API. Neither snac2 nor the simulator streams, so a
 * small server here speaks Mastodon's documented streaming wire format (server-sent events on
 * GET /api/v1/streaming/user/notification, `:thump` heartbeats) and its notifications list.
 */

interface Notification {
  id: string;
  type: string;
  created_at: string;
  account: { id: string; acct: string };
  status?: { id: string; in_reply_to_id: string | null };
}

class StreamingInstance {
  server!: Server;
  url = '';
  readonly notifications: Notification[] = [];
  readonly streams = new Set<ServerResponse>();
  streamConnections = 0;
  readonly token = 'stream-token';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      if (req.headers.authorization !== `Bearer ${this.token}`) {
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end('{"error":"The access token is invalid"}');
        return;
      }
      const url = new URL(req.url ?? '/', this.url);
      if (url.pathname === '/api/v1/streaming/user/notification') {
        this.streamConnections++;
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
        res.write(':)\n\n');
        this.streams.add(res);
        res.on('close', () => this.streams.delete(res));
        return;
      }
      if (url.pathname === '/api/v1/notifications') {
        const minId = url.searchParams.get('min_id');
        const newer = this.notifications.filter((n) => !minId || BigInt(n.id) > BigInt(minId));
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(newer.reverse().slice(0, 40)));
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Record not found"}');
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A notification happens: it is listed, and pushed to open streams. */
  notify(n: Notification): void {
    this.notifications.push(n);
    for (const stream of this.streams) {
      stream.write(':thump\n\n');
      stream.write(`event: notification\ndata: ${JSON.stringify(n)}\n\n`);
    }
  }

  dropStreams(): void {
    for (const stream of this.streams) stream.destroy();
  }

  close(): Promise<void> {
    this.dropStreams();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let db: TestDatabase;
let instance: StreamingInstance;
const box = new SecretBox(randomBytes(32));
const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
let organizationId: string;
let nextId = 1000;

beforeAll(async () => {
  db = await createTestDatabase();
  instance = new StreamingInstance();
  await instance.start();
  ({ organizationId } = await seedOrganization(db.sql));
});
afterAll(async () => {
  await instance?.close();
  await db?.drop();
});

async function publishedChannel(): Promise<{ channelId: string; targetId: string; statusId: string }> {
  const [channelId] = await seedChannels(db.sql, box, organizationId, [
    {
      network: 'mastodon',
      accountId: `${crypto.randomUUID()}@stream.test`,
      handle: 'ana@stream.test',
      serviceUrl: instance.url,
      credentials: { accessToken: instance.token },
    },
  ]);
  const statusId = String(++nextId * 1000);
  const [post] = await db.sql<
    { id: string }[]
  >`insert into posts (organization_id, text) values (${organizationId}, 'hi') returning id`;
  const [target] = await db.sql<{ id: string }[]>`
    insert into post_targets (post_id, organization_id, channel_id, status, published_at, network_post_id)
    values (${post!.id}, ${organizationId}, ${channelId!}, 'published', now(), ${statusId}) returning id`;
  return { channelId: channelId!, targetId: target!.id, statusId };
}

function follower(overrides: Partial<ConstructorParameters<typeof MastodonNotificationFollower>[0]> = {}) {
  return new MastodonNotificationFollower({
    sql: db.sql,
    secretBox: box,
    log,
    allowPrivateAddresses: true,
    scanIntervalMs: 200,
    // Far longer than the test: anything recorded came through the stream or a reconnect's catch-up.
    pollIntervalMs: 600_000,
    reconnectDelayMs: 100,
    ...overrides,
  });
}

const favourite = (statusId: string, from = 'bob'): Notification => ({
  id: String(++nextId),
  type: 'favourite',
  created_at: new Date().toISOString(),
  account: { id: `id-${from}`, acct: `${from}@elsewhere.social` },
  status: { id: statusId, in_reply_to_id: null },
});

const totals = (targetId: string) =>
  db.sql<{ likes: number; reposts: number; replies: number }[]>`
    select likes, reposts, replies from post_engagement where target_id = ${targetId}`.then(
    (rows) => rows[0],
  );

describe('Mastodon notifications over the streaming API', () => {
  it('records favourites, boosts and replies as they stream in, once each', async () => {
    const { targetId, statusId } = await publishedChannel();
    const f = follower();
    await f.start();
    try {
      await waitFor(async () => instance.streams.size > 0);
      const like = favourite(statusId);
      instance.notify(like);
      instance.notify({ ...favourite(statusId, 'cy'), type: 'reblog' });
      instance.notify({
        ...favourite(statusId, 'dee'),
        type: 'mention',
        status: { id: String(++nextId * 1000), in_reply_to_id: statusId },
      });
      instance.notify({
        ...favourite('999', 'eve'),
        type: 'mention',
        status: { id: '998', in_reply_to_id: null },
      });
      expect(
        await waitFor(async () => ((await totals(targetId))?.replies === 1 ? totals(targetId) : undefined)),
      ).toEqual({
        likes: 1,
        reposts: 1,
        replies: 1,
      });
      // A replay of the same notification counts nothing.
      for (const stream of instance.streams)
        stream.write(`event: notification\ndata: ${JSON.stringify(like)}\n\n`);
      await new Promise((r) => setTimeout(r, 300));
      expect(await totals(targetId)).toMatchObject({ likes: 1 });
      const mentions =
        await db.sql`select actor_handle from engagement_events where kind = 'mention' and target_id is null`;
      expect(mentions.map((m) => m.actor_handle)).toContain('eve@elsewhere.social');
    } finally {
      await f.stop();
    }
  });

  it('catches up on what happened while the stream was down, from the stored cursor', async () => {
    const { channelId, targetId, statusId } = await publishedChannel();
    const f = follower();
    await f.start();
    try {
      await waitFor(async () => instance.streams.size > 0);
      instance.notify(favourite(statusId, 'first'));
      await waitFor(async () => (await totals(targetId))?.likes === 1);
      const connections = instance.streamConnections;
      instance.dropStreams();
      // Happens between the drop and the reconnect: only the catch-up poll can see it.
      instance.notifications.push(favourite(statusId, 'while-down'));
      await waitFor(async () => (await totals(targetId))?.likes === 2, 5_000);
      expect(instance.streamConnections).toBeGreaterThan(connections);
      // The cursor is written just after the counts: wait for it rather than race it.
      const stored = async () =>
        (
          await db.sql<
            { cursor: string }[]
          >`select cursor from channel_stream_cursors where channel_id = ${channelId}`
        )[0]?.cursor;
      const newest = instance.notifications.at(-1)!.id;
      expect(await waitFor(async () => ((await stored()) === newest ? newest : undefined))).toBe(newest);
    } finally {
      await f.stop();
    }
  });

  it('lets exactly one of several workers follow each channel, and hands over when it stops', async () => {
    const { channelId } = await publishedChannel();
    const a = follower();
    const b = follower();
    await a.start();
    await b.start();
    try {
      const followers = () => [a, b].filter((f) => f.followedChannelIds().includes(channelId));
      expect(followers()).toHaveLength(1);
      const [first] = followers();
      const other = first === a ? b : a;
      await first!.stop();
      await waitFor(async () => other.followedChannelIds().includes(channelId), 5_000);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('stops following a channel that is disconnected', async () => {
    const { channelId } = await publishedChannel();
    const f = follower();
    await f.start();
    try {
      expect(f.followedChannelIds()).toContain(channelId);
      await db.sql`update channels set connection_state = 'disconnected', credentials_sealed = null where id = ${channelId}`;
      await waitFor(async () => !f.followedChannelIds().includes(channelId), 5_000);
    } finally {
      await f.stop();
    }
  });
});

describe('Mastodon notifications on a server without them', () => {
  it('asks such a server once for all its channels, and ramps up instead of asking for every channel at once', async () => {
    // A Mastodon-compatible server with neither streaming nor the notifications API (404 to both).
    const asked: string[] = [];
    const bare = createServer((req, res) => {
      asked.push(new URL(req.url ?? '/', 'http://x').pathname);
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Record not found"}');
    });
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
    const own = await createTestDatabase();
    try {
      const { organizationId: orgId } = await seedOrganization(own.sql);
      const channelIds = await seedChannels(
        own.sql,
        box,
        orgId,
        Array.from({ length: 3 }, (_, i) => ({
          network: 'mastodon' as const,
          accountId: `${i}@bare.test`,
          handle: `user${i}@bare.test`,
          serviceUrl: url,
          credentials: { accessToken: 'bare-token' },
        })),
      );
      const f = new MastodonNotificationFollower({
        sql: own.sql,
        secretBox: box,
        log,
        allowPrivateAddresses: true,
        scanIntervalMs: 60_000,
        pollIntervalMs: 100,
        followStartsPerSecond: 1,
      });
      const startedAt = Date.now();
      await f.start();
      try {
        // One channel a second: the first at once, the third about two seconds later.
        expect(f.followedChannelIds()).toHaveLength(1);
        await waitFor(async () => f.followedChannelIds().length === 3, 5_000);
        expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1_900);
        expect(f.followedChannelIds().sort()).toEqual([...channelIds].sort());
        // Polling every 100 ms would have asked again many times by now; the server's answer
        // (no such API) holds for every channel on it until the next probe.
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(asked.filter((p) => p === '/api/v1/streaming/user/notification')).toHaveLength(1);
        expect(asked.filter((p) => p === '/api/v1/notifications')).toHaveLength(1);
      } finally {
        await f.stop();
      }
    } finally {
      await own.drop();
      await new Promise((resolve) => bare.close(resolve));
    }
  });
});
