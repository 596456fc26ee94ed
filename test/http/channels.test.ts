import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  type Channel,
  createChannel,
  type ErrorBody,
  type Member,
  signUpOwner,
} from '../queue/queue-fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

describe('channels: create, list, change, delete; credentials sealed', () => {
  let t: TestApp;
  let owner: Member;
  beforeAll(async () => {
    t = await startTestApp();
    owner = await signUpOwner(t.url);
  });
  afterAll(async () => {
    await t.close();
  });

  const base = () => `/api/orgs/${owner.orgId}/channels`;

  it('creates a channel with a schedule in its zone; credentials are sealed and never returned', async () => {
    const res = await owner.client.post<Channel & { hasCredentials: boolean }>(base(), {
      network: 'bluesky',
      accountId: 'did:plc:abc123',
      handle: 'ana.bsky.social',
      displayName: 'Ana',
      avatarUrl: 'https://cdn.example/ana.png',
      serviceUrl: 'https://bsky.social',
      timezone: 'Europe/Paris',
      schedule: { mon: ['17:00', '09:00', '09:00'], fri: ['12:30'] },
      credentials: { accessJwt: 'secret-access-token-123', refreshJwt: 'secret-refresh-456' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      network: 'bluesky',
      handle: 'ana.bsky.social',
      timezone: 'Europe/Paris',
      paused: false,
      connectionState: 'connected',
      hasCredentials: true,
    });
    expect(res.body.schedule).toEqual({
      mon: ['09:00', '17:00'],
      tue: [],
      wed: [],
      thu: [],
      fri: ['12:30'],
      sat: [],
      sun: [],
    });
    expect(JSON.stringify(res.body)).not.toContain('secret');
    const listed = await owner.client.get(base());
    expect(JSON.stringify(listed.body)).not.toContain('secret');

    const [row] = await t.sql`select credentials_sealed from channels where id = ${res.body.id}`;
    expect(row!.credentials_sealed).not.toContain('secret');
    expect(JSON.parse(t.secretBox.open(row!.credentials_sealed, `channel:${res.body.id}`))).toEqual({
      accessJwt: 'secret-access-token-123',
      refreshJwt: 'secret-refresh-456',
    });
    // Bound to its row: it does not open as another channel's.
    expect(() => t.secretBox.open(row!.credentials_sealed, 'channel:other')).toThrow();
  });

  it('refuses the same account twice, unknown networks and invalid schedules, in words', async () => {
    const body = { network: 'mastodon', accountId: '109', handle: 'ana@example.social' };
    expect((await owner.client.post(base(), body)).status).toBe(201);
    const twice = await owner.client.post<ErrorBody>(base(), body);
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('channel.already_connected');
    const network = await owner.client.post<ErrorBody>(base(), {
      ...body,
      network: 'myspace',
      accountId: '1',
    });
    expect(network.status).toBe(400);
    const schedule = await owner.client.post<ErrorBody>(base(), {
      ...body,
      accountId: '110',
      timezone: 'Europe/Atlantis',
      schedule: { tue: ['25:00'] },
    });
    expect(schedule.status).toBe(400);
    expect(schedule.body.error.code).toBe('schedule.invalid');
    expect(schedule.body.error.message).toContain('"Europe/Atlantis" is not a known IANA time zone');
    expect(schedule.body.error.message).toContain('Tuesday, time 1: "25:00" is not a time of day');
  });

  it('lists, gets, changes and deletes channels of the organization only', async () => {
    const channel = await createChannel(owner, { handle: 'to-change' });
    const got = await owner.client.get<Channel>(`${base()}/${channel.id}`);
    expect(got.body.handle).toBe('to-change');
    const patched = await owner.client.patch<Channel & { displayName: string; hasCredentials: boolean }>(
      `${base()}/${channel.id}`,
      { displayName: 'Changed', credentials: { token: 'new-secret' } },
    );
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ displayName: 'Changed', handle: 'to-change', hasCredentials: true });
    const forgotten = await owner.client.patch<{ hasCredentials: boolean }>(`${base()}/${channel.id}`, {
      credentials: null,
    });
    expect(forgotten.body.hasCredentials).toBe(false);

    const stranger = await signUpOwner(t.url);
    for (const path of [`/api/orgs/${stranger.orgId}/channels/${channel.id}`, `${base()}/${channel.id}`]) {
      expect((await stranger.client.get(path)).status).toBe(404);
      expect((await stranger.client.patch(path, { displayName: 'x' })).status).toBe(404);
      expect((await stranger.client.delete(path)).status).toBe(404);
    }
    const contributor = await addMember(t, owner.orgId, 'contributor');
    expect((await contributor.client.get(base())).status).toBe(200);
    expect((await contributor.client.patch(`${base()}/${channel.id}`, { displayName: 'no' })).status).toBe(
      403,
    );

    expect((await owner.client.delete(`${base()}/${channel.id}`)).status).toBe(204);
    expect((await owner.client.get(`${base()}/${channel.id}`)).status).toBe(404);
  });

  it('deleting a channel removes its posts but keeps those also meant for other channels', async () => {
    const gone = await createChannel(owner, { schedule: { mon: ['09:00'] } });
    const stays = await createChannel(owner, { schedule: { mon: ['09:00'] } });
    const only = await owner.client.post<{ id: string }>(`/api/orgs/${owner.orgId}/posts`, {
      text: 'only on the deleted channel',
      channelIds: [gone.id],
      schedule: { mode: 'draft' },
    });
    const shared = await owner.client.post<{ id: string }>(`/api/orgs/${owner.orgId}/posts`, {
      text: 'on both',
      channelIds: [gone.id, stays.id],
      schedule: { mode: 'draft' },
    });
    expect((await owner.client.delete(`${base()}/${gone.id}`)).status).toBe(204);
    expect((await owner.client.get(`/api/orgs/${owner.orgId}/posts/${only.body.id}`)).status).toBe(404);
    const left = await owner.client.get<{ targets: { channelId: string }[] }>(
      `/api/orgs/${owner.orgId}/posts/${shared.body.id}`,
    );
    expect(left.body.targets.map((target) => target.channelId)).toEqual([stays.id]);
  });
});
