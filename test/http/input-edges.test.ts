import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addPost,
  createChannel,
  createPost,
  everyDay,
  type Member,
  signUpOwner,
  startQueueApp,
} from '../queue/queue-fixtures.ts';
import type { TestApp } from '../support/test-app.ts';

/**
 * Input at the edges, each once a 5xx: forged cursors, instants outside what PostgreSQL stores,
 * dates that do not exist, upper-case ids, half characters (unpaired surrogates) headed for JSON
 * columns, and host names longer than DNS allows. Each gets a 4xx with a stable code; nothing is
 * written.
 */
const NOW = '2026-10-26T12:00:00.000Z';
const cursorOf = (key: string, id = '00000000-0000-4000-8000-000000000000') =>
  Buffer.from(JSON.stringify([key, id])).toString('base64url');

describe('input at the edges', () => {
  let t: TestApp;
  let owner: Member;
  let channelId: string;
  beforeAll(async () => {
    ({ t } = await startQueueApp(NOW));
    owner = await signUpOwner(t.url);
    channelId = (await createChannel(owner, { schedule: everyDay('09:00') })).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  const org = () => `/api/orgs/${owner.orgId}`;

  it.each([
    ['a month 13', '2026-13-45T99:99:99.000000Z'],
    ['year 0', '0000-01-01T00:00:00.000000Z'],
    ['31 April', '2026-04-31T09:00:00.000000Z'],
  ])('refuses a forged cursor with %s as a bad cursor, on every listing', async (_what, key) => {
    for (const path of [
      `${org()}/channels/${channelId}/queue`,
      `${org()}/posts?status=sent`,
      `${org()}/calendar?from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z`,
      `${org()}/media`,
    ]) {
      const res = await owner.client.get(`${path}${path.includes('?') ? '&' : '?'}cursor=${cursorOf(key)}`);
      expect([res.status, (res.body as { error?: { code: string } }).error?.code], path).toEqual([
        400,
        'request.invalid_cursor',
      ]);
    }
  });

  it('refuses a forged cursor whose id is not a UUID, on every listing', async () => {
    for (const path of [`${org()}/channels/${channelId}/queue`, `${org()}/media`]) {
      const cursor = cursorOf('2026-01-01T00:00:00.000000Z', '-'.repeat(36));
      const res = await owner.client.get(`${path}?cursor=${cursor}`);
      expect([res.status, (res.body as { error?: { code: string } }).error?.code], path).toEqual([
        400,
        'request.invalid_cursor',
      ]);
    }
  });

  it('refuses date filters PostgreSQL cannot store, and dates that do not exist', async () => {
    for (const path of [
      '/api/notifications?before=0000-01-01T00:00:00Z',
      `${org()}/calendar?from=9999-12-31T00:00:00Z&to=9999-12-31T23:59:00-05:00`,
      `${org()}/calendar?from=2027-02-31T00:00:00Z&to=2027-03-31T00:00:00Z`,
      `${org()}/calendar?from=2027-01-01T24:00:00Z&to=2027-03-31T00:00:00Z`,
    ]) {
      const res = await owner.client.get(path);
      expect([res.status, (res.body as { error?: { code: string } }).error?.code], path).toEqual([
        400,
        'request.invalid',
      ]);
    }
    const ok = await owner.client.get(`${org()}/calendar?from=2028-02-29T00:00:00Z&to=2028-03-01T00:00:00Z`);
    expect(ok.status).toBe(200);
  });

  it('refuses custom times beyond ten years (or beyond year 9999), and writes nothing', async () => {
    const before = await t.sql`select count(*)::int as n from posts where organization_id = ${owner.orgId}`;
    const cases: [Record<string, unknown>, string][] = [
      [{ mode: 'custom', at: '9999-12-31T23:59:59-05:00' }, 'request.invalid'],
      [{ mode: 'custom', at: '2027-02-31T09:00:00Z' }, 'request.invalid'],
      [{ mode: 'custom', at: '2040-01-01T09:00:00Z' }, 'queue.slot_too_far'],
      [{ mode: 'custom', localTime: '9999-12-31T23:59' }, 'queue.slot_too_far'],
      [{ mode: 'custom', localTime: '0050-06-01T09:00' }, 'queue.slot_in_past'],
    ];
    for (const [schedule, code] of cases) {
      const res = await createPost(owner, { text: 'Far away', channelIds: [channelId], schedule });
      expect([res.status, res.body.error?.code], JSON.stringify(schedule)).toEqual([400, code]);
    }
    const tooFar = await createPost(owner, {
      text: 'Far away',
      channelIds: [channelId],
      schedule: { mode: 'custom', at: '2040-01-01T09:00:00Z' },
    });
    expect(tooFar.body.error?.message).toContain('more than 10 years away');
    const after = await t.sql`select count(*)::int as n from posts where organization_id = ${owner.orgId}`;
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('reads upper-case ids as the same ids', async () => {
    const target = await addPost(owner, channelId, 'Shouting ids');
    const upper = (id: string) => id.toUpperCase();
    const queue = await owner.client.get<{ items: { id: string }[] }>(
      `/api/orgs/${upper(owner.orgId)}/channels/${upper(channelId)}/queue`,
    );
    expect(queue.status).toBe(200);
    expect(queue.body.items.map((i) => i.id)).toContain(target.id);
    const moved = await owner.client.post(`${org()}/channels/${channelId}/queue/move-to-top`, {
      targetId: upper(target.id),
    });
    expect(moved.status).toBe(200);
    const patched = await owner.client.patch(
      `${org()}/posts/${upper(target.postId)}/targets/${upper(target.id)}`,
      {
        schedule: { mode: 'next' },
      },
    );
    expect(patched.status).toBe(200);

    const hook = await owner.client.post<{ id: string }>(`${org()}/webhooks`, {
      url: 'https://hooks.example.com/spool',
      events: ['post.published'],
    });
    expect(hook.status).toBe(201);
    const secret = await owner.client.get<{ secret: string }>(
      `${org()}/webhooks/${upper(hook.body.id)}/secret`,
    );
    expect(secret.status).toBe(200);
  });

  it('refuses half a character (an unpaired surrogate) with 400 saying where, before anything is stored', async () => {
    const before = await t.sql`select count(*)::int as n from posts where organization_id = ${owner.orgId}`;
    for (const body of [
      { text: 'ok', channelIds: [channelId], thread: [{ text: 'broken \ud800 part' }] },
      { text: 'ok \udc00', channelIds: [channelId] },
    ]) {
      const res = await createPost(owner, { ...body, schedule: { mode: 'queue' } });
      expect(res.status).toBe(400);
      expect(res.body.error?.code).toBe('request.invalid');
      expect(res.body.error?.message).toContain('unpaired surrogate');
    }
    const token = await owner.client.post('/api/tokens', { name: 'half \ud800', scopes: ['read'] });
    expect(token.status).toBe(400);
    const after = await t.sql`select count(*)::int as n from posts where organization_id = ${owner.orgId}`;
    expect(after[0]!.n).toBe(before[0]!.n);
    // A whole character made of a surrogate pair is fine.
    const emoji = await createPost(owner, {
      text: 'Fresh bread 🍞',
      channelIds: [channelId],
      schedule: { mode: 'queue' },
    });
    expect(emoji.status).toBe(201);
  });

  it('says why a JSON body with a __proto__ key is refused, and writes nothing', async () => {
    const json = { 'content-type': 'application/json' };
    for (const text of [
      '{"text":"hi","channelIds":[',
      `{"__proto__":{"admin":true},"text":"hi","channelIds":["${channelId}"]}`,
    ]) {
      const res = await owner.client.post<{ error: { code: string; message: string } }>(
        `${org()}/posts`,
        text,
        json,
      );
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('request.malformed_json');
      expect(res.body.error.message).toContain('"__proto__"');
    }
  });

  it('refuses a link whose host name is longer than DNS allows as an invalid URL', async () => {
    const host = `${'a'.repeat(60)}.`.repeat(5).concat('example');
    const res = await owner.client.get(
      `${org()}/link-preview?url=${encodeURIComponent(`https://${host}/page`)}`,
    );
    expect(res.status).toBe(400);
    expect((res.body as { error: { code: string } }).error.code).toBe('fetch.invalid_url');
  });
});
