import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/test-app.ts';
import {
  addPost,
  createChannel,
  createPost,
  everyDay,
  type Member,
  queueOf,
  seedMedia,
  signUpOwner,
  startQueueApp,
  type TestClock,
} from './queue-fixtures.ts';

// Monday 2026-10-26, 12:00 UTC. The UTC channels post every day at 09:00, 13:00 and 17:00.
const NOW = '2026-10-26T12:00:00.000Z';

describe('adding posts to a queue: add, share next, share now, custom time, drafts', () => {
  let t: TestApp;
  let clock: TestClock;
  let owner: Member;
  beforeAll(async () => {
    ({ t, clock } = await startQueueApp(NOW));
    owner = await signUpOwner(t.url);
  });
  afterAll(async () => {
    await t.close();
  });

  it('gives queued posts the next free slots in order, lets "share next" take the head, and a custom time block its slot', async () => {
    clock.set(NOW);
    const channel = await createChannel(owner, { schedule: everyDay('09:00', '13:00', '17:00') });
    const a = await addPost(owner, channel.id, 'A');
    expect(a).toMatchObject({ status: 'queued', slot: 'queue', dueAt: '2026-10-26T13:00:00.000Z' });
    await addPost(owner, channel.id, 'B');
    await addPost(owner, channel.id, 'C');
    expect(await queueOf(owner, channel.id)).toEqual([
      ['A', '2026-10-26T13:00:00.000Z', 'queue'],
      ['B', '2026-10-26T17:00:00.000Z', 'queue'],
      ['C', '2026-10-27T09:00:00.000Z', 'queue'],
    ]);

    const next = await addPost(owner, channel.id, 'D', { mode: 'next' });
    expect(next.dueAt).toBe('2026-10-26T13:00:00.000Z');
    const custom = await addPost(owner, channel.id, 'E', { mode: 'custom', at: '2026-10-27T13:00:00Z' });
    expect(custom).toMatchObject({ status: 'scheduled', slot: 'custom', dueAt: '2026-10-27T13:00:00.000Z' });
    expect(await queueOf(owner, channel.id)).toEqual([
      ['D', '2026-10-26T13:00:00.000Z', 'queue'],
      ['A', '2026-10-26T17:00:00.000Z', 'queue'],
      ['B', '2026-10-27T09:00:00.000Z', 'queue'],
      ['E', '2026-10-27T13:00:00.000Z', 'custom'],
      ['C', '2026-10-27T17:00:00.000Z', 'queue'],
    ]);

    // Share now is due at once and leaves the queue where it is.
    const now = await addPost(owner, channel.id, 'F', { mode: 'now' });
    expect(now).toMatchObject({ status: 'scheduled', slot: 'custom', dueAt: NOW });
    const queue = await queueOf(owner, channel.id);
    expect(queue[0]).toEqual(['F', NOW, 'custom']);
    expect(queue.slice(1).map(([text, due]) => [text, due])).toEqual([
      ['D', '2026-10-26T13:00:00.000Z'],
      ['A', '2026-10-26T17:00:00.000Z'],
      ['B', '2026-10-27T09:00:00.000Z'],
      ['E', '2026-10-27T13:00:00.000Z'],
      ['C', '2026-10-27T17:00:00.000Z'],
    ]);
  });

  it('gives posts added at the same moment distinct slots, in some order (mutations of a queue are serialized)', async () => {
    clock.set(NOW);
    const channel = await createChannel(owner, { schedule: everyDay('09:00', '13:00', '17:00') });
    const added = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        createPost(owner, { text: `racer ${i}`, channelIds: [channel.id] }),
      ),
    );
    expect(added.map((res) => res.status)).toEqual(Array(8).fill(201));
    const queue = await queueOf(owner, channel.id);
    expect(queue.map(([, due]) => due)).toEqual([
      '2026-10-26T13:00:00.000Z',
      '2026-10-26T17:00:00.000Z',
      '2026-10-27T09:00:00.000Z',
      '2026-10-27T13:00:00.000Z',
      '2026-10-27T17:00:00.000Z',
      '2026-10-28T09:00:00.000Z',
      '2026-10-28T13:00:00.000Z',
      '2026-10-28T17:00:00.000Z',
    ]);
    expect(new Set(queue.map(([text]) => text)).size).toBe(8);
  });

  it('appends without moving anything: a full re-time afterwards finds every post already in its slot', async () => {
    clock.set(NOW);
    const channel = await createChannel(owner, { schedule: everyDay('09:00', '13:00', '17:00') });
    await addPost(owner, channel.id, 'X', { mode: 'custom', at: '2026-10-27T09:00:00Z' });
    for (const text of ['A', 'B', 'C']) await addPost(owner, channel.id, text);
    clock.set('2026-10-26T14:00:00Z'); // A is due (the publisher's now); the rest still wait
    await addPost(owner, channel.id, 'D');
    expect(await queueOf(owner, channel.id)).toEqual([
      ['A', '2026-10-26T13:00:00.000Z', 'queue'],
      ['B', '2026-10-26T17:00:00.000Z', 'queue'],
      ['X', '2026-10-27T09:00:00.000Z', 'custom'],
      ['C', '2026-10-27T13:00:00.000Z', 'queue'],
      ['D', '2026-10-27T17:00:00.000Z', 'queue'],
    ]);
    const stamps = () =>
      t.sql`select id, due_at, updated_at from post_targets where channel_id = ${channel.id} order by id`;
    const before = await stamps();
    const same = await owner.client.put(`/api/orgs/${owner.orgId}/channels/${channel.id}/schedule`, {
      days: everyDay('09:00', '13:00', '17:00'),
    });
    expect(same.status).toBe(200);
    expect(await stamps()).toEqual(before);
  });

  it("reads a custom local time in each channel's own zone, and an instant with its offset", async () => {
    clock.set(NOW);
    const newYork = await createChannel(owner, { timezone: 'America/New_York', schedule: everyDay('09:00') });
    const london = await createChannel(owner, { timezone: 'Europe/London', schedule: everyDay('09:00') });
    const res = await createPost(owner, {
      text: 'launch',
      channelIds: [newYork.id, london.id],
      schedule: { mode: 'custom', localTime: '2026-10-28T09:30' },
    });
    expect(res.status).toBe(201);
    const due = Object.fromEntries(res.body.targets.map((target) => [target.channelId, target.dueAt]));
    expect(due[newYork.id]).toBe('2026-10-28T13:30:00.000Z'); // EDT, UTC−4
    expect(due[london.id]).toBe('2026-10-28T09:30:00.000Z'); // GMT since 25 October
    const offset = await addPost(owner, newYork.id, 'offset', {
      mode: 'custom',
      at: '2026-10-29T08:15:00-04:00',
    });
    expect(offset.dueAt).toBe('2026-10-29T12:15:00.000Z');
  });

  it('refuses a custom time in the past, saying so, and writes nothing', async () => {
    clock.set(NOW);
    const channel = await createChannel(owner, { timezone: 'America/New_York', schedule: everyDay('09:00') });
    const [before] = await t.sql`select count(*)::int as n from posts`;
    const res = await createPost(owner, {
      text: 'too late',
      channelIds: [channel.id],
      schedule: { mode: 'custom', at: '2026-10-26T11:59:00Z' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('queue.slot_in_past');
    expect(res.body.error.message).toContain('Mon 26 Oct 2026 07:59 (America/New_York), has already passed');
    const [after] = await t.sql`select count(*)::int as n from posts`;
    expect(after!.n).toBe(before!.n);
    const local = await createPost(owner, {
      text: 'too late',
      channelIds: [channel.id],
      schedule: { mode: 'custom', localTime: '2026-10-26T08:00' },
    });
    expect(local.status).toBe(400);
    expect(local.body.error.code).toBe('queue.slot_in_past');
  });

  it("checks every channel's network rules first and refuses the whole post, listing problems per channel", async () => {
    const bluesky = await createChannel(owner, { network: 'bluesky', handle: 'ana.bsky.social' });
    const instagram = await createChannel(owner, { network: 'instagram', handle: 'ana.bakery' });
    const mastodon = await createChannel(owner, { schedule: everyDay('09:00') });
    const [before] = await t.sql`select count(*)::int as n from post_targets`;
    const res = await createPost(owner, {
      text: 'x'.repeat(400),
      channelIds: [bluesky.id, instagram.id, mastodon.id],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('post.invalid');
    expect(res.body.error.message).toContain('@ana.bsky.social on Bluesky: Bluesky posts can be at most 300');
    expect(res.body.error.message).toContain(
      '@ana.bakery on Instagram: Instagram needs at least one photo or video',
    );
    const channels = res.body.error.details!.channels as {
      channelId: string;
      problems: { code: string }[];
    }[];
    expect(channels.map((c) => [c.channelId, c.problems.map((p) => p.code)])).toEqual([
      [bluesky.id, ['text.too_long']],
      [instagram.id, ['media.required']],
    ]);
    const [after] = await t.sql`select count(*)::int as n from post_targets`;
    expect(after!.n).toBe(before!.n);

    // Per-channel changes fix it: Bluesky gets its own text, Instagram a photo from the library.
    await t.sql`update channels set schedule = ${t.sql.json(everyDay('09:00'))} where id in ${t.sql([bluesky.id, instagram.id])}`;
    const photo = await seedMedia(t.sql, owner.orgId, 'image/jpeg', 500_000);
    const fixed = await createPost(owner, {
      text: 'x'.repeat(400),
      channelIds: [bluesky.id, instagram.id, mastodon.id],
      overrides: [
        { channelId: bluesky.id, text: 'short for Bluesky' },
        { channelId: instagram.id, media: [{ mediaId: photo, altText: 'a loaf' }] },
      ],
    });
    expect(fixed.status).toBe(201);
    const byChannel = Object.fromEntries(fixed.body.targets.map((target) => [target.channelId, target]));
    expect(byChannel[bluesky.id]!.text).toBe('short for Bluesky');
    expect(byChannel[mastodon.id]!.text).toBe('x'.repeat(400));
    expect(byChannel[instagram.id]).toMatchObject({ media: [{ mediaId: photo, altText: 'a loaf' }] });
  });

  it("refuses media that is not in the organization's library", async () => {
    const other = await signUpOwner(t.url);
    const foreign = await seedMedia(t.sql, other.orgId, 'image/png', 1000);
    const channel = await createChannel(owner, { schedule: everyDay('09:00') });
    const res = await createPost(owner, {
      text: 'hi',
      channelIds: [channel.id],
      media: [{ mediaId: foreign }],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('media.not_found');
  });

  it('posts to every channel of a profile group', async () => {
    const one = await createChannel(owner, { schedule: everyDay('09:00') });
    const two = await createChannel(owner, { schedule: everyDay('10:00') });
    const group = await owner.client.post<{ id: string }>(`/api/orgs/${owner.orgId}/groups`, {
      name: 'Client A',
      channelIds: [one.id, two.id],
    });
    expect(group.status).toBe(201);
    const res = await createPost(owner, {
      text: 'to the group',
      groupIds: [group.body.id],
      channelIds: [one.id],
    });
    expect(res.status).toBe(201);
    expect(res.body.targets.map((target) => target.channelId).sort()).toEqual([one.id, two.id].sort());
    const none = await createPost(owner, { text: 'to nobody' });
    expect(none.status).toBe(400);
    expect(none.body.error.code).toBe('post.no_channels');
  });

  it('explains that a channel without posting times has no queue, but still takes custom times', async () => {
    clock.set(NOW);
    const channel = await createChannel(owner, { handle: 'empty' });
    const res = await createPost(owner, { text: 'queued', channelIds: [channel.id] });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('queue.no_slots');
    expect(res.body.error.message).toContain('@empty on Mastodon has no posting times');
    const custom = await addPost(owner, channel.id, 'custom', { mode: 'custom', at: '2026-10-27T10:00:00Z' });
    expect(custom.status).toBe('scheduled');
  });

  it('keeps drafts out of the queue until they are scheduled', async () => {
    clock.set(NOW);
    const channel = await createChannel(owner, { schedule: everyDay('09:00', '13:00') });
    const draft = await createPost(owner, {
      text: 'later',
      channelIds: [channel.id],
      schedule: { mode: 'draft' },
    });
    expect(draft.status).toBe(201);
    expect(draft.body.targets[0]).toMatchObject({ status: 'draft', dueAt: null, slot: null });
    await addPost(owner, channel.id, 'first');
    expect(await queueOf(owner, channel.id)).toEqual([['first', '2026-10-26T13:00:00.000Z', 'queue']]);
    const scheduled = await owner.client.post<{ targets: { dueAt: string; status: string }[] }>(
      `/api/orgs/${owner.orgId}/posts/${draft.body.id}/schedule`,
      { schedule: { mode: 'queue' } },
    );
    expect(scheduled.status).toBe(200);
    expect(scheduled.body.targets[0]).toMatchObject({ status: 'queued', dueAt: '2026-10-27T09:00:00.000Z' });
  });

  it("wakes the publisher (NOTIFY spool_due with the channel's id) when a post is queued", async () => {
    clock.set(NOW);
    const channel = await createChannel(owner, { schedule: everyDay('09:00') });
    const heard: string[] = [];
    const listener = await t.sql.listen('spool_due', (payload) => heard.push(payload));
    try {
      await addPost(owner, channel.id, 'wake up');
      await expect.poll(() => heard).toContain(channel.id);
    } finally {
      await listener.unlisten();
    }
  });
});
