import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addPost,
  createChannel,
  createPost,
  type ErrorBody,
  everyDay,
  type Member,
  type Post,
  signUpOwner,
  startQueueApp,
  type Target,
  type TestClock,
} from '../queue/queue-fixtures.ts';
import type { TestApp } from '../support/test-app.ts';

const NOW = '2026-10-26T12:00:00.000Z';

interface Page {
  items: Target[];
  nextCursor: string | null;
}

describe('posts: editing, listing tabs with cursors, the calendar, and Idempotency-Key', () => {
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

  const org = () => `/api/orgs/${owner.orgId}`;

  it('edits a post for all its channels, checked against each network first', async () => {
    const bluesky = await createChannel(owner, { network: 'bluesky', schedule: everyDay('09:00') });
    const mastodon = await createChannel(owner, { schedule: everyDay('09:00') });
    const res = await createPost(owner, {
      text: 'hello',
      channelIds: [bluesky.id, mastodon.id],
      tags: ['launch'],
    });
    const tooLong = await owner.client.patch<ErrorBody>(`${org()}/posts/${res.body.id}`, {
      text: 'y'.repeat(350),
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.code).toBe('post.invalid');
    expect((tooLong.body.error.details!.channels as { channelId: string }[]).map((c) => c.channelId)).toEqual(
      [bluesky.id],
    );
    const ok = await owner.client.patch<Post>(`${org()}/posts/${res.body.id}`, {
      text: 'hello again',
      tags: ['b'],
    });
    expect(ok.status).toBe(200);
    expect(ok.body.targets.map((target) => target.text)).toEqual(['hello again', 'hello again']);
    const got = await owner.client.get<Post & { tags: string[] }>(`${org()}/posts/${res.body.id}`);
    expect(got.body.tags).toEqual(['b']);
  });

  it('lists a tab page by page with an opaque cursor, newest change first', async () => {
    const channel = await createChannel(owner, { schedule: everyDay('09:00') });
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await createPost(owner, {
        text: `draft ${i}`,
        channelIds: [channel.id],
        schedule: { mode: 'draft' },
      });
      ids.push(res.body.targets[0]!.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `?status=drafts&channelId=${channel.id}&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await owner.client.get<Page>(`${org()}/posts${query}`);
      expect(res.status).toBe(200);
      expect(res.body.items.every((item) => item.status === 'draft')).toBe(true);
      seen.push(...res.body.items.map((item) => item.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());

    const bad = await owner.client.get<ErrorBody>(`${org()}/posts?status=drafts&cursor=not-a-cursor`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('request.invalid_cursor');
    const tooMany = await owner.client.get(`${org()}/posts?status=drafts&limit=101`);
    expect(tooMany.status).toBe(400);
    const sent = await owner.client.get<Page>(`${org()}/posts?status=sent`);
    expect(sent.body).toEqual({ items: [], nextCursor: null });
  });

  it('pages through a long queue without repeating or missing a post', async () => {
    clock.set(NOW);
    const channel = await createChannel(owner, { schedule: everyDay('08:00', '12:30', '18:00') });
    for (let i = 0; i < 12; i++) await addPost(owner, channel.id, `q${i}`);
    const texts: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=5${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await owner.client.get<Page>(`${org()}/channels/${channel.id}/queue${query}`);
      texts.push(...res.body.items.map((item) => item.text));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(texts).toEqual(Array.from({ length: 12 }, (_, i) => `q${i}`));
  });

  it('shows the calendar of a date range, filtered by channel, group, status and tag', async () => {
    clock.set(NOW);
    const cal = await signUpOwner(t.url);
    const one = await createChannel(cal, { schedule: everyDay('09:00') });
    const two = await createChannel(cal, { schedule: everyDay('10:00') });
    for (let i = 0; i < 4; i++) {
      const res = await createPost(cal, {
        text: `both ${i}`,
        channelIds: [one.id, two.id],
        tags: i % 2 ? ['odd'] : [],
      });
      expect(res.status).toBe(201);
    }
    await createPost(cal, { text: 'draft', channelIds: [one.id], schedule: { mode: 'draft' } });
    const group = await cal.client.post<{ id: string }>(`/api/orgs/${cal.orgId}/groups`, {
      name: 'Two',
      channelIds: [two.id],
    });
    const calendar = (query: string) =>
      cal.client.get<Page & ErrorBody>(
        `/api/orgs/${cal.orgId}/calendar?from=2026-10-26T00:00:00Z&to=2026-10-29T00:00:00Z${query}`,
      );
    const all = await calendar('');
    expect(all.status).toBe(200);
    expect(all.body.items.map((item) => item.dueAt)).toEqual([
      '2026-10-27T09:00:00.000Z',
      '2026-10-27T10:00:00.000Z',
      '2026-10-28T09:00:00.000Z',
      '2026-10-28T10:00:00.000Z',
    ]);
    const paged = await calendar('&limit=3');
    expect(paged.body.items).toHaveLength(3);
    const rest = await calendar(`&limit=3&cursor=${paged.body.nextCursor}`);
    expect(rest.body.items.map((item) => item.dueAt)).toEqual(['2026-10-28T10:00:00.000Z']);
    expect(rest.body.nextCursor).toBeNull();
    expect((await calendar(`&channelId=${one.id}`)).body.items.every((i) => i.channelId === one.id)).toBe(
      true,
    );
    expect((await calendar(`&groupId=${group.body.id}`)).body.items.map((i) => i.channelId)).toEqual([
      two.id,
      two.id,
    ]);
    expect((await calendar('&tag=odd')).body.items.map((i) => i.text)).toEqual(['both 1', 'both 1']);
    expect((await calendar('&status=sent')).body.items).toEqual([]);

    const long = await cal.client.get<ErrorBody>(
      `/api/orgs/${cal.orgId}/calendar?from=2026-10-01T00:00:00Z&to=2026-12-03T00:00:00Z`,
    );
    expect(long.status).toBe(400);
    expect(long.body.error.code).toBe('calendar.range_too_long');
    const backwards = await cal.client.get<ErrorBody>(
      `/api/orgs/${cal.orgId}/calendar?from=2026-10-02T00:00:00Z&to=2026-10-01T00:00:00Z`,
    );
    expect(backwards.body.error.code).toBe('calendar.range_invalid');
    const foreignGroup = await owner.client.get(
      `${org()}/calendar?from=2026-10-26T00:00:00Z&to=2026-10-29T00:00:00Z&groupId=${group.body.id}`,
    );
    expect(foreignGroup.status).toBe(404);
  });

  it('replays a creating POST sent again with the same Idempotency-Key, and refuses the key for another body', async () => {
    clock.set(NOW);
    const channel = await createChannel(owner, { schedule: everyDay('09:00') });
    const body = { text: 'exactly once', channelIds: [channel.id] };
    const key = { 'idempotency-key': 'post-7f3a' };
    const first = await createPost(owner, body, key);
    expect(first.status).toBe(201);
    const again = await createPost(owner, { channelIds: [channel.id], text: 'exactly once' }, key);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const [count] = await t.sql`select count(*)::int as n from posts where text = 'exactly once'`;
    expect(count!.n).toBe(1);

    const reused = await createPost(owner, { ...body, text: 'something else' }, key);
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('idempotency.key_reused');

    // Keys are per organization: another organization's same key creates its own.
    const other = await signUpOwner(t.url);
    const theirs = await createChannel(other, { schedule: everyDay('09:00') });
    const elsewhere = await createPost(other, { ...body, channelIds: [theirs.id] }, key);
    expect(elsewhere.status).toBe(201);
    expect(elsewhere.headers.get('idempotent-replayed')).toBeNull();

    // A refused request created nothing: its key stays free for the corrected retry.
    const refused = await createPost(
      owner,
      { text: 'z'.repeat(600), channelIds: [channel.id] },
      { 'idempotency-key': 'k2' },
    );
    expect(refused.status).toBe(400);
    const corrected = await createPost(
      owner,
      { text: 'fits', channelIds: [channel.id] },
      { 'idempotency-key': 'k2' },
    );
    expect(corrected.status).toBe(201);
    expect(corrected.headers.get('idempotent-replayed')).toBeNull();

    // The same request sent twice at once: one creates, the other waits for it or is told to retry.
    const racing = { text: 'sent twice at once', channelIds: [channel.id] };
    const raced = await Promise.all(
      [1, 2].map(() => createPost(owner, racing, { 'idempotency-key': 'race' })),
    );
    expect(raced.map((r) => r.status).sort()).toEqual(expect.arrayContaining([201]));
    for (const r of raced) expect([201, 409]).toContain(r.status);
    const [racedCount] = await t.sql`select count(*)::int as n from posts where text = 'sent twice at once'`;
    expect(racedCount!.n).toBe(1);

    const badKey = await createPost(owner, body, { 'idempotency-key': 'has spaces in it' });
    expect(badKey.status).toBe(400);
    expect(badKey.body.error.code).toBe('idempotency.key_invalid');

    const group = { name: 'Once' };
    const g1 = await owner.client.post<{ id: string }>(`${org()}/groups`, group, { 'idempotency-key': 'g' });
    const g2 = await owner.client.post<{ id: string }>(`${org()}/groups`, group, { 'idempotency-key': 'g' });
    expect(g1.status).toBe(201);
    expect(g2.status).toBe(201);
    expect(g2.body.id).toBe(g1.body.id);
    const c = { network: 'x', accountId: '42', handle: 'once' };
    const c1 = await owner.client.post<{ id: string }>(`${org()}/channels`, c, { 'idempotency-key': 'c' });
    const c2 = await owner.client.post<{ id: string }>(`${org()}/channels`, c, { 'idempotency-key': 'c' });
    expect([c1.status, c2.status]).toEqual([201, 201]);
    expect(c2.body.id).toBe(c1.body.id);
  });
});
