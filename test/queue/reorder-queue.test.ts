import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/test-app.ts';
import {
  addMember,
  addPost,
  type Channel,
  createChannel,
  createPost,
  type ErrorBody,
  everyDay,
  type Member,
  queueOf,
  signUpOwner,
  startQueueApp,
  type Target,
  type TestClock,
} from './queue-fixtures.ts';

// Monday 2026-10-26, 12:00 UTC; slots every day at 09:00, 13:00 and 17:00 UTC.
const NOW = '2026-10-26T12:00:00.000Z';
const SLOTS = [
  '2026-10-26T13:00:00.000Z',
  '2026-10-26T17:00:00.000Z',
  '2026-10-27T09:00:00.000Z',
  '2026-10-27T13:00:00.000Z',
  '2026-10-27T17:00:00.000Z',
  '2026-10-28T09:00:00.000Z',
];

describe('changing a queue: reorder, move to top, shuffle, delete', () => {
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

  async function queueOfFive(): Promise<{ channel: Channel; targets: Target[] }> {
    clock.set(NOW);
    const channel = await createChannel(owner, { schedule: everyDay('09:00', '13:00', '17:00') });
    const targets: Target[] = [];
    for (const text of ['P1', 'P2', 'P3', 'P4', 'P5']) targets.push(await addPost(owner, channel.id, text));
    return { channel, targets };
  }

  const reorder = (channelId: string, targetId: string, index: number, member = owner) =>
    member.client.post<{ target: Target } & ErrorBody>(
      `/api/orgs/${member.orgId}/channels/${channelId}/queue/reorder`,
      { targetId, index },
    );

  it('moves a post to any position; the posts take the slots in the new order', async () => {
    const { channel, targets } = await queueOfFive();
    const res = await reorder(channel.id, targets[0]!.id, 4);
    expect(res.status).toBe(200);
    expect(res.body.target).toMatchObject({ text: 'P1', dueAt: SLOTS[4] });
    expect(await queueOf(owner, channel.id)).toEqual(
      ['P2', 'P3', 'P4', 'P5', 'P1'].map((text, i) => [text, SLOTS[i], 'queue']),
    );
    await reorder(channel.id, targets[3]!.id, 1);
    expect((await queueOf(owner, channel.id)).map(([text]) => text)).toEqual(['P2', 'P4', 'P3', 'P5', 'P1']);
  });

  it('moves a post to the top', async () => {
    const { channel, targets } = await queueOfFive();
    const res = await owner.client.post<{ target: Target }>(
      `/api/orgs/${owner.orgId}/channels/${channel.id}/queue/move-to-top`,
      { targetId: targets[4]!.id },
    );
    expect(res.status).toBe(200);
    expect(res.body.target.dueAt).toBe(SLOTS[0]);
    expect(await queueOf(owner, channel.id)).toEqual(
      ['P5', 'P1', 'P2', 'P3', 'P4'].map((text, i) => [text, SLOTS[i], 'queue']),
    );
  });

  it('keeps custom-scheduled posts in place while the queued ones move around them', async () => {
    const { channel, targets } = await queueOfFive();
    // A custom post at the third slot pushes P3..P5 one slot later.
    const custom = await addPost(owner, channel.id, 'C', { mode: 'custom', at: SLOTS[2]! });
    expect((await queueOf(owner, channel.id)).map(([text, due]) => [text, due])).toEqual([
      ['P1', SLOTS[0]],
      ['P2', SLOTS[1]],
      ['C', SLOTS[2]],
      ['P3', SLOTS[3]],
      ['P4', SLOTS[4]],
      ['P5', SLOTS[5]],
    ]);
    await reorder(channel.id, targets[4]!.id, 0);
    expect((await queueOf(owner, channel.id)).map(([text, due]) => [text, due])).toEqual([
      ['P5', SLOTS[0]],
      ['P1', SLOTS[1]],
      ['C', SLOTS[2]],
      ['P2', SLOTS[3]],
      ['P3', SLOTS[4]],
      ['P4', SLOTS[5]],
    ]);
    const moveCustom = await reorder(channel.id, custom.id, 0);
    expect(moveCustom.status).toBe(409);
    expect(moveCustom.body.error.code).toBe('queue.not_in_queue');
    expect(moveCustom.body.error.message).toContain('has a custom time');
    const outOfRange = await reorder(channel.id, targets[0]!.id, 5);
    expect(outOfRange.status).toBe(400);
    expect(outOfRange.body.error).toMatchObject({ code: 'queue.index_out_of_range' });
    expect(outOfRange.body.error.message).toContain('has 5 queued posts; give a position from 0 to 4');
  });

  it('shuffles the queued posts over the same slots', async () => {
    const { channel } = await queueOfFive();
    await addPost(owner, channel.id, 'P6');
    const before = await queueOf(owner, channel.id);
    const orders = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const res = await owner.client.post<{ queue: { targetId: string; dueAt: string }[] }>(
        `/api/orgs/${owner.orgId}/channels/${channel.id}/queue/shuffle`,
      );
      expect(res.status).toBe(200);
      expect(res.body.queue.map((q) => q.dueAt)).toEqual(SLOTS);
      const after = await queueOf(owner, channel.id);
      expect(after.map(([, due]) => due)).toEqual(SLOTS);
      expect(after.map(([text]) => text).sort()).toEqual(before.map(([text]) => text).sort());
      orders.add(after.map(([text]) => text).join());
    }
    // Six shuffles of six posts all landing on one order happens with probability 720^-5.
    expect(orders.size).toBeGreaterThan(1);
  });

  it('closes the gap when a post or one of its channels is deleted', async () => {
    const { channel, targets } = await queueOfFive();
    const other = await createChannel(owner, { schedule: everyDay('09:00', '13:00', '17:00') });
    const res = await owner.client.delete(`/api/orgs/${owner.orgId}/posts/${targets[1]!.postId}`);
    expect(res.status).toBe(204);
    expect(await queueOf(owner, channel.id)).toEqual(
      ['P1', 'P3', 'P4', 'P5'].map((text, i) => [text, SLOTS[i], 'queue']),
    );
    // A post for two channels: removing one channel closes that queue's gap only.
    const both = await createPost(owner, {
      text: 'both',
      channelIds: [channel.id, other.id],
      schedule: { mode: 'next' },
    });
    const onChannel = both.body.targets.find((target) => target.channelId === channel.id)!;
    expect(onChannel.dueAt).toBe(SLOTS[0]);
    const removed = await owner.client.delete(
      `/api/orgs/${owner.orgId}/posts/${both.body.id}/targets/${onChannel.id}`,
    );
    expect(removed.status).toBe(204);
    expect((await queueOf(owner, channel.id)).map(([text]) => text)).toEqual(['P1', 'P3', 'P4', 'P5']);
    expect(await queueOf(owner, other.id)).toEqual([['both', SLOTS[0], 'queue']]);
    // Removing its last channel removes the post.
    const last = both.body.targets.find((target) => target.channelId === other.id)!;
    await owner.client.delete(`/api/orgs/${owner.orgId}/posts/${both.body.id}/targets/${last.id}`);
    expect((await owner.client.get(`/api/orgs/${owner.orgId}/posts/${both.body.id}`)).status).toBe(404);
  });

  it('moves an edited target: back to drafts (the queue closes up) and to the head of the queue', async () => {
    const { channel, targets } = await queueOfFive();
    const path = (target: Target) => `/api/orgs/${owner.orgId}/posts/${target.postId}/targets/${target.id}`;
    const drafted = await owner.client.patch<Target>(path(targets[0]!), { schedule: { mode: 'draft' } });
    expect(drafted.body).toMatchObject({ status: 'draft', dueAt: null });
    expect((await queueOf(owner, channel.id)).map(([text, due]) => [text, due])).toEqual(
      ['P2', 'P3', 'P4', 'P5'].map((text, i) => [text, SLOTS[i]]),
    );
    const back = await owner.client.patch<Target>(path(targets[0]!), {
      text: 'P1 again',
      schedule: { mode: 'next' },
    });
    expect(back.body).toMatchObject({ status: 'queued', dueAt: SLOTS[0], text: 'P1 again' });
    expect((await queueOf(owner, channel.id)).map(([text]) => text)).toEqual([
      'P1 again',
      'P2',
      'P3',
      'P4',
      'P5',
    ]);
  });

  it("answers 404 for another organization's queue and 403 to a contributor", async () => {
    const { channel, targets } = await queueOfFive();
    const stranger = await signUpOwner(t.url);
    const foreign = await stranger.client.post<ErrorBody>(
      `/api/orgs/${stranger.orgId}/channels/${channel.id}/queue/reorder`,
      { targetId: targets[0]!.id, index: 1 },
    );
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('channel.not_found');
    const listing = await stranger.client.get(`/api/orgs/${stranger.orgId}/channels/${channel.id}/queue`);
    expect(listing.status).toBe(404);
    const intoOtherOrg = await stranger.client.get(`/api/orgs/${owner.orgId}/channels/${channel.id}/queue`);
    expect(intoOtherOrg.status).toBe(404);
    const contributor = await addMember(t, owner.orgId, 'contributor');
    const forbidden = await reorder(channel.id, targets[0]!.id, 1, contributor);
    expect(forbidden.status).toBe(403);
    expect((await queueOf(owner, channel.id)).map(([text]) => text)).toEqual(['P1', 'P2', 'P3', 'P4', 'P5']);
  });
});
