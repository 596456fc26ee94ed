import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/test-app.ts';
import {
  addPost,
  type Channel,
  createChannel,
  type ErrorBody,
  everyDay,
  type Member,
  signUpOwner,
  startQueueApp,
  type Target,
} from './queue-fixtures.ts';

// Monday 2026-10-26, 12:00 UTC.
const NOW = '2026-10-26T12:00:00.000Z';

interface GroupQueueItem extends Target {
  channel: {
    id: string;
    network: string;
    handle: string;
    displayName: string;
    avatarUrl: string | null;
    timezone: string;
    paused: boolean;
  };
}
type GroupQueuePage = { items: GroupQueueItem[]; nextCursor: string | null } & ErrorBody;

describe('the queue of a profile group: every channel of the group merged in due order', () => {
  let t: TestApp;
  let owner: Member;
  let alpha: Channel;
  let beta: Channel;
  let outside: Channel;
  let groupId: string;
  beforeAll(async () => {
    ({ t } = await startQueueApp(NOW));
    owner = await signUpOwner(t.url);
    alpha = await createChannel(owner, { handle: 'alpha', schedule: everyDay('09:00', '17:00') });
    // Berlin is UTC+1 on these days (summer time ended on 25 Oct): 14:00 there is 13:00 UTC.
    beta = await createChannel(owner, {
      handle: 'beta',
      network: 'bluesky',
      timezone: 'Europe/Berlin',
      schedule: everyDay('14:00'),
    });
    outside = await createChannel(owner, { handle: 'outside', schedule: everyDay('12:30') });
    const group = await owner.client.post<{ id: string }>(`/api/orgs/${owner.orgId}/groups`, {
      name: 'Client A',
      channelIds: [alpha.id, beta.id],
    });
    expect(group.status).toBe(201);
    groupId = group.body.id;

    for (const text of ['A1', 'A2', 'A3']) await addPost(owner, alpha.id, text);
    for (const text of ['B1', 'B2']) await addPost(owner, beta.id, text);
    await addPost(owner, beta.id, 'B-custom', { mode: 'custom', at: '2026-10-27T10:00:00Z' });
    // Due at the same instant as B2: the tie is broken by id, the same way on every page.
    await addPost(owner, alpha.id, 'A-custom', { mode: 'custom', at: '2026-10-27T13:00:00Z' });
    await addPost(owner, alpha.id, 'A-draft', { mode: 'draft' });
    await addPost(owner, outside.id, 'O1');
  });
  afterAll(async () => {
    await t.close();
  });

  const groupQueue = (query = '', member = owner, orgId = owner.orgId, group = groupId) =>
    member.client.get<GroupQueuePage>(`/api/orgs/${orgId}/groups/${group}/queue${query}`);

  async function everyPage(limit: number): Promise<{ items: GroupQueueItem[]; pages: number }> {
    const items: GroupQueueItem[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await groupQueue(query);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(limit);
      items.push(...res.body.items);
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    return { items, pages };
  }

  it('merges the queued and custom-time posts of both channels by due time, each with its channel', async () => {
    const res = await groupQueue();
    expect(res.status).toBe(200);
    expect(res.body.nextCursor).toBeNull();
    const tie = res.body.items.filter((item) => item.dueAt === '2026-10-27T13:00:00.000Z');
    expect(tie.map((item) => item.id)).toEqual(tie.map((item) => item.id).sort());
    expect(res.body.items.map((item) => [item.text, item.dueAt, item.status, item.channel.handle])).toEqual([
      ['B1', '2026-10-26T13:00:00.000Z', 'queued', 'beta'],
      ['A1', '2026-10-26T17:00:00.000Z', 'queued', 'alpha'],
      ['A2', '2026-10-27T09:00:00.000Z', 'queued', 'alpha'],
      ['B-custom', '2026-10-27T10:00:00.000Z', 'scheduled', 'beta'],
      ...tie.map((item) => [item.text, '2026-10-27T13:00:00.000Z', item.status, item.channel.handle]),
      ['A3', '2026-10-27T17:00:00.000Z', 'queued', 'alpha'],
    ]);
    expect(tie.map((item) => item.text).sort()).toEqual(['A-custom', 'B2']);
    const b1 = res.body.items[0]!;
    expect(b1.channelId).toBe(beta.id);
    expect(b1.channel).toEqual({
      id: beta.id,
      network: 'bluesky',
      handle: 'beta',
      displayName: '',
      avatarUrl: null,
      timezone: 'Europe/Berlin',
      paused: false,
    });
    expect(b1.slot).toBe('queue');
  });

  it('leaves out channels outside the group, and drafts', async () => {
    const { items } = await everyPage(100);
    expect(items.some((item) => item.channelId === outside.id || item.text === 'O1')).toBe(false);
    expect(items.some((item) => item.text === 'A-draft')).toBe(false);
    expect(new Set(items.map((item) => item.channel.id))).toEqual(new Set([alpha.id, beta.id]));
  });

  it('pages through the merged queue without repeating or skipping a post, ties included', async () => {
    const all = (await groupQueue()).body.items.map((item) => item.id);
    expect(all).toHaveLength(7);
    for (const limit of [1, 2, 3]) {
      const { items, pages } = await everyPage(limit);
      expect(items.map((item) => item.id)).toEqual(all);
      expect(pages).toBe(Math.ceil(all.length / limit));
    }
    const first = await groupQueue('?limit=4');
    expect(first.body.items).toHaveLength(4);
    expect(first.body.nextCursor).toEqual(expect.any(String));
  });

  it('follows changes between pages: a post added before the cursor is not shown twice', async () => {
    const first = await groupQueue('?limit=2');
    expect(first.body.items.map((item) => item.text)).toEqual(['B1', 'A1']);
    const extra = await addPost(owner, alpha.id, 'A-early', { mode: 'custom', at: '2026-10-26T12:30:00Z' });
    const rest = await groupQueue(`?limit=100&cursor=${first.body.nextCursor}`);
    expect(rest.body.items.map((item) => item.text)[0]).toBe('A2');
    expect(rest.body.items.some((item) => item.id === extra.id)).toBe(false);
    const del = await owner.client.delete(`/api/orgs/${owner.orgId}/posts/${extra.postId}`);
    expect(del.status).toBeLessThan(300);
  });

  it("shows a paused channel's posts as the channel queue does, marked with the channel paused", async () => {
    const pause = await owner.client.post(`/api/orgs/${owner.orgId}/channels/${alpha.id}/pause`);
    expect(pause.status).toBe(200);
    try {
      const res = await groupQueue();
      const ofAlpha = res.body.items.filter((item) => item.channelId === alpha.id);
      const channelQueue = await owner.client.get<{ items: Target[] }>(
        `/api/orgs/${owner.orgId}/channels/${alpha.id}/queue`,
      );
      expect(ofAlpha.map((item) => [item.id, item.status, item.dueAt])).toEqual(
        channelQueue.body.items.map((item) => [item.id, item.status, item.dueAt]),
      );
      expect(ofAlpha.length).toBe(4);
      expect(ofAlpha.every((item) => item.channel.paused)).toBe(true);
      expect(
        res.body.items.filter((item) => item.channelId === beta.id).every((i) => !i.channel.paused),
      ).toBe(true);
    } finally {
      await owner.client.post(`/api/orgs/${owner.orgId}/channels/${alpha.id}/resume`);
    }
  });

  it("answers 404 for another organization's group, and for an unknown one", async () => {
    const other = await signUpOwner(t.url);
    const viaOwnOrg = await groupQueue('', other, other.orgId, groupId);
    expect(viaOwnOrg.status).toBe(404);
    expect(viaOwnOrg.body.error.code).toBe('group.not_found');
    expect(JSON.stringify(viaOwnOrg.body)).not.toContain('B1');

    // The other organization's own group with channels and posts stays invisible from ours too.
    const theirs = await createChannel(other, { schedule: everyDay('10:00') });
    await addPost(other, theirs.id, 'Theirs');
    const theirGroup = await other.client.post<{ id: string }>(`/api/orgs/${other.orgId}/groups`, {
      name: 'Theirs',
      channelIds: [theirs.id],
    });
    const crossed = await groupQueue('', owner, owner.orgId, theirGroup.body.id);
    expect(crossed.status).toBe(404);
    expect(crossed.body.error.code).toBe('group.not_found');
    expect(
      (await groupQueue('', other, other.orgId, theirGroup.body.id)).body.items.map((i) => i.text),
    ).toEqual(['Theirs']);

    const unknown = await groupQueue('', owner, owner.orgId, '00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
  });

  it('answers an empty page for a group without channels, and 400 for a bad cursor or id', async () => {
    const empty = await owner.client.post<{ id: string }>(`/api/orgs/${owner.orgId}/groups`, {
      name: 'Empty',
    });
    const res = await groupQueue('', owner, owner.orgId, empty.body.id);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [], nextCursor: null });

    const badCursor = await groupQueue('?cursor=not-a-cursor');
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.error.code).toBe('request.invalid_cursor');
    expect((await groupQueue('', owner, owner.orgId, 'not-a-uuid')).status).toBe(400);
    expect((await groupQueue('?limit=0')).status).toBe(400);
  });
});
