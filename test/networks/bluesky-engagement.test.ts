import { AtpAgent } from '@atproto/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelView } from '../../src/domain/channels/channel-view.ts';
import { recordEngagement, undoEngagement } from '../../src/engagement/record-engagement.ts';
import { createLogger } from '../../src/logger.ts';
import { BlueskyNetwork } from '../../src/networks/bluesky/bluesky.ts';
import { BlueskyEngagementStreams } from '../../src/networks/bluesky/engagement-streams.ts';
import { type AtprotoNetwork, startAtprotoNetwork } from '../support/atproto-network.ts';
import { signUpUser } from '../support/http-client.ts';
import { seedTargets, waitFor } from '../support/publishing-fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

interface Totals {
  likes: number;
  reposts: number;
  replies: number;
  quotes: number;
}

/**
 * Live engagement from the PDS's event stream (com.atproto.sync.subscribeRepos): bob likes,
 * reposts, replies to and quotes alice's post on the real local PDS; Spool records each event once.
 */
describe('Bluesky engagement, live from the PDS event stream', () => {
  let atproto: AtprotoNetwork;
  let t: TestApp;
  let bob: AtpAgent;
  let alice: AtpAgent;
  let org: { organizationId: string; userId: string };
  let channel: ChannelView;
  const workers: BlueskyEngagementStreams[] = [];
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

  beforeAll(async () => {
    [atproto, t] = await Promise.all([
      startAtprotoNetwork(),
      startTestApp({ env: { SSRF_ALLOW_PRIVATE: 'true' } }),
    ]);
    const ana = await signUpUser(t.url);
    org = { organizationId: ana.organizationId, userId: ana.userId };
    const res = await ana.client.post<ChannelView>(`/api/orgs/${ana.organizationId}/channels/bluesky`, {
      handle: 'alice.test',
      appPassword: atproto.alice.appPassword,
      serviceUrl: atproto.pdsUrl,
    });
    expect(res.status, res.text).toBe(201);
    channel = res.body;
    bob = new AtpAgent({ service: atproto.pdsUrl });
    await bob.login({ identifier: 'bob.test', password: atproto.bob.appPassword });
    alice = new AtpAgent({ service: atproto.pdsUrl });
    await alice.login({ identifier: 'alice.test', password: atproto.alice.appPassword });
  }, 90_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await Promise.all([t?.close(), atproto?.stop()]);
  });

  /** Two workers, as in a scale-out: only one may follow the PDS. */
  async function startWorker(): Promise<BlueskyEngagementStreams> {
    const worker = new BlueskyEngagementStreams({
      sql: t.sql,
      log,
      allowPrivateAddresses: true,
      sweepMs: 200,
    });
    workers.push(worker);
    await worker.start();
    return worker;
  }

  /** A post of alice's channel, published through the adapter and marked published as the publisher does. */
  async function publishedPost(text: string): Promise<{ targetId: string; uri: string; cid: string }> {
    const [targetId] = await seedTargets(t.sql, org.organizationId, org.userId, [
      { channelId: channel.id, text, dueAt: new Date(Date.now() + 3_600_000) },
    ]);
    const [row] = await t.sql<
      { credentials_sealed: string }[]
    >`select credentials_sealed from channels where id = ${channel.id}`;
    const credentials = JSON.parse(t.secretBox.open(row!.credentials_sealed, `channel:${channel.id}`));
    const outcome = await new BlueskyNetwork({ allowPrivateAddresses: true }).publish(
      {
        channel: {
          id: channel.id,
          accountId: channel.accountId,
          handle: channel.handle,
          serviceUrl: channel.serviceUrl,
        },
        credentials,
      },
      { targetId: targetId!, parts: [{ text, media: [] }] },
    );
    if (outcome.kind !== 'published') throw new Error(JSON.stringify(outcome));
    await t.sql`
      update post_targets set status = 'published', published_at = now(), network_post_id = ${outcome.networkPostId}
      where id = ${targetId!}`;
    const [, , rkey] = outcome.networkPostId.split('/').slice(-3);
    const record = await alice.com.atproto.repo.getRecord({
      repo: atproto.alice.did,
      collection: 'app.bsky.feed.post',
      rkey: rkey!,
    });
    return { targetId: targetId!, uri: outcome.networkPostId, cid: record.data.cid! };
  }

  const totals = async (targetId: string): Promise<Totals | undefined> => {
    const [row] = await t.sql<
      Totals[]
    >`select likes, reposts, replies, quotes from post_engagement where target_id = ${targetId}`;
    return row;
  };
  const totalsBecome = (targetId: string, expected: Totals) =>
    waitFor(async () => {
      const row = await totals(targetId);
      return row && JSON.stringify(row) === JSON.stringify(expected) ? row : undefined;
    }, 15_000);

  it("counts another account's like, repost, reply and quote once each, and an unlike", async () => {
    const [first, second] = [await startWorker(), await startWorker()];
    await waitFor(
      async () => [...first.following(), ...second.following()].some((f) => f.connected) || undefined,
    );
    expect([...first.following(), ...second.following()]).toHaveLength(1);

    const post = await publishedPost('Tell me what you think');
    const like = await bob.like(post.uri, post.cid);
    const repost = await bob.repost(post.uri, post.cid);
    const ref = { uri: post.uri, cid: post.cid };
    const reply = await bob.post({ text: 'Nice!', reply: { root: ref, parent: ref } });
    const quote = await bob.post({ text: 'Look', embed: { $type: 'app.bsky.embed.record', record: ref } });
    await alice.like(post.uri, post.cid); // her own like is not engagement
    await totalsBecome(post.targetId, { likes: 1, reposts: 1, replies: 1, quotes: 1 });

    const events = await t.sql<
      { kind: string; delta: number; actor_id: string; network_event_id: string; channel_id: string }[]
    >`
      select kind, delta, actor_id, network_event_id, channel_id from engagement_events
      where target_id = ${post.targetId} order by kind`;
    expect(events).toEqual([
      {
        kind: 'like',
        delta: 1,
        actor_id: atproto.bob.did,
        network_event_id: like.uri,
        channel_id: channel.id,
      },
      {
        kind: 'quote',
        delta: 1,
        actor_id: atproto.bob.did,
        network_event_id: `${quote.uri}#quote`,
        channel_id: channel.id,
      },
      {
        kind: 'reply',
        delta: 1,
        actor_id: atproto.bob.did,
        network_event_id: reply.uri,
        channel_id: channel.id,
      },
      {
        kind: 'repost',
        delta: 1,
        actor_id: atproto.bob.did,
        network_event_id: repost.uri,
        channel_id: channel.id,
      },
    ]);

    await bob.deleteLike(like.uri);
    await totalsBecome(post.targetId, { likes: 0, reposts: 1, replies: 1, quotes: 1 });

    const [cursor] = await t.sql<
      { cursor: string }[]
    >`select cursor from channel_stream_cursors where channel_id = ${channel.id}`;
    expect(Number(cursor!.cursor)).toBeGreaterThan(0);
  });

  it('hands the stream over when the worker holding it stops, resuming from the stored cursor', async () => {
    const post = await publishedPost('Handover');
    const holder = workers.find((w) => w.following().length > 0)!;
    const other = workers.find((w) => w !== holder)!;
    await holder.stop();
    await bob.like(post.uri, post.cid); // while nobody follows the PDS
    await waitFor(async () => other.following().some((f) => f.connected) || undefined, 10_000);
    await bob.repost(post.uri, post.cid);
    await totalsBecome(post.targetId, { likes: 1, reposts: 1, replies: 0, quotes: 0 });
    await new Promise((r) => setTimeout(r, 500)); // a replay would have counted again by now
    expect(await totals(post.targetId)).toEqual({ likes: 1, reposts: 1, replies: 0, quotes: 0 });
  });

  it('records engagement idempotently and only against the channel it belongs to', async () => {
    const post = await publishedPost('Idempotent');
    const [foreign] = await t.sql<{ id: string }[]>`
      insert into channels (organization_id, network, account_id, handle) values (${org.organizationId}, 'bluesky', 'did:plc:other', 'other.test')
      returning id`;
    const event = {
      channelId: channel.id,
      targetId: post.targetId,
      kind: 'like' as const,
      networkEventId: 'at://x/like/1',
      occurredAt: new Date(),
    };
    expect(await recordEngagement(t.sql, [event, event])).toBe(1);
    expect(await recordEngagement(t.sql, [event])).toBe(0);
    // The target is not the foreign channel's: the event is kept without it and counts nowhere.
    expect(await recordEngagement(t.sql, [{ ...event, channelId: foreign!.id }])).toBe(1);
    expect(await totals(post.targetId)).toEqual({ likes: 1, reposts: 0, replies: 0, quotes: 0 });
    const undo = { networkEventId: 'at://x/like/1', occurredAt: new Date() };
    expect(await undoEngagement(t.sql, [channel.id], [undo, undo])).toBe(1);
    expect(await undoEngagement(t.sql, [channel.id], [undo])).toBe(0);
    expect(await totals(post.targetId)).toEqual({ likes: 0, reposts: 0, replies: 0, quotes: 0 });
  });
});
