import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/test-app.ts';
import {
  addPost,
  type Channel,
  createChannel,
  type ErrorBody,
  everyDay,
  type Member,
  queueOf,
  signUpOwner,
  startQueueApp,
  type TestClock,
} from './queue-fixtures.ts';

// Monday 2026-10-26, 12:00 UTC.
const NOW = '2026-10-26T12:00:00.000Z';

describe('re-timing a queue: schedule and time-zone changes, daylight saving, pause and resume', () => {
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

  const putSchedule = (channel: Channel, body: Record<string, unknown>) =>
    owner.client.put<Channel & ErrorBody>(`/api/orgs/${owner.orgId}/channels/${channel.id}/schedule`, body);

  it('re-times queued posts to a new schedule, keeps custom times, and writes only what changed', async () => {
    clock.set(NOW);
    const channel = await createChannel(owner, { schedule: everyDay('09:00', '13:00', '17:00') });
    for (const text of ['A', 'B']) await addPost(owner, channel.id, text);
    await addPost(owner, channel.id, 'X', { mode: 'custom', at: '2026-10-27T09:00:00Z' });
    await addPost(owner, channel.id, 'C');
    expect(await queueOf(owner, channel.id)).toEqual([
      ['A', '2026-10-26T13:00:00.000Z', 'queue'],
      ['B', '2026-10-26T17:00:00.000Z', 'queue'],
      ['X', '2026-10-27T09:00:00.000Z', 'custom'],
      ['C', '2026-10-27T13:00:00.000Z', 'queue'],
    ]);

    const stamps = async () =>
      (
        await t.sql<{ updated_at: Date }[]>`
        select updated_at from post_targets where channel_id = ${channel.id} order by due_at`
      ).map((r) => r.updated_at.toISOString());
    const before = await stamps();
    const same = await putSchedule(channel, { days: everyDay('17:00', '13:00', '09:00') });
    expect(same.status).toBe(200);
    expect(await stamps()).toEqual(before);

    // Monday's 10:00 UTC slot has passed at 12:00, so A takes Tuesday's.
    const res = await putSchedule(channel, { days: everyDay('10:00') });
    expect(res.status).toBe(200);
    expect(res.body.schedule.mon).toEqual(['10:00']);
    expect(await queueOf(owner, channel.id)).toEqual([
      ['X', '2026-10-27T09:00:00.000Z', 'custom'],
      ['A', '2026-10-27T10:00:00.000Z', 'queue'],
      ['B', '2026-10-28T10:00:00.000Z', 'queue'],
      ['C', '2026-10-29T10:00:00.000Z', 'queue'],
    ]);

    // In New York 10:00 EDT is 14:00 UTC, and Monday's is still ahead (it is 08:00 there).
    const tz = await owner.client.patch<Channel>(`/api/orgs/${owner.orgId}/channels/${channel.id}`, {
      timezone: 'America/New_York',
    });
    expect(tz.status).toBe(200);
    expect(tz.body.timezone).toBe('America/New_York');
    expect(await queueOf(owner, channel.id)).toEqual([
      ['A', '2026-10-26T14:00:00.000Z', 'queue'],
      ['X', '2026-10-27T09:00:00.000Z', 'custom'],
      ['B', '2026-10-27T14:00:00.000Z', 'queue'],
      ['C', '2026-10-28T14:00:00.000Z', 'queue'],
    ]);
  });

  it('refuses an invalid schedule in words, and an empty one while posts are queued', async () => {
    clock.set(NOW);
    const channel = await createChannel(owner, { schedule: everyDay('09:00') });
    await addPost(owner, channel.id, 'waiting');
    const invalid = await putSchedule(channel, { days: { mon: ['9am'], funday: ['10:00'] } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('schedule.invalid');
    expect(invalid.body.error.message).toContain('Monday, time 1: "9am" is not a time of day');
    expect(invalid.body.error.message).toContain('Unknown day "funday"');
    const badZone = await putSchedule(channel, { timezone: 'Mars/Olympus', days: everyDay('09:00') });
    expect(badZone.status).toBe(400);
    expect(badZone.body.error.message).toContain('"Mars/Olympus" is not a known IANA time zone');
    const empty = await putSchedule(channel, { days: {} });
    expect(empty.status).toBe(409);
    expect(empty.body.error.code).toBe('queue.no_slots');
    const [row] = await t.sql`select schedule from channels where id = ${channel.id}`;
    expect(row!.schedule.mon).toEqual(['09:00']);
  });

  it('queues across the autumn change in America/New_York: 01:30 on 1 November is used once, 09:00 moves an hour in UTC', async () => {
    clock.set('2026-10-30T14:00:00Z'); // Friday 10:00 EDT
    const channel = await createChannel(owner, {
      timezone: 'America/New_York',
      schedule: everyDay('01:30', '09:00'),
    });
    for (const text of ['1', '2', '3', '4', '5', '6']) await addPost(owner, channel.id, text);
    expect((await queueOf(owner, channel.id)).map(([text, due]) => [text, due])).toEqual([
      ['1', '2026-10-31T05:30:00.000Z'], // Sat 01:30 EDT
      ['2', '2026-10-31T13:00:00.000Z'], // Sat 09:00 EDT
      ['3', '2026-11-01T05:30:00.000Z'], // Sun 01:30, the first (EDT) of the two
      ['4', '2026-11-01T14:00:00.000Z'], // Sun 09:00 EST
      ['5', '2026-11-02T06:30:00.000Z'], // Mon 01:30 EST
      ['6', '2026-11-02T14:00:00.000Z'], // Mon 09:00 EST
    ]);
    // Moving the last post to the top shifts everyone one slot, across the change.
    const queue = await owner.client.get<{ items: { id: string }[] }>(
      `/api/orgs/${owner.orgId}/channels/${channel.id}/queue`,
    );
    await owner.client.post(`/api/orgs/${owner.orgId}/channels/${channel.id}/queue/move-to-top`, {
      targetId: queue.body.items[5]!.id,
    });
    expect((await queueOf(owner, channel.id)).map(([text, due]) => [text, due])).toEqual([
      ['6', '2026-10-31T05:30:00.000Z'],
      ['1', '2026-10-31T13:00:00.000Z'],
      ['2', '2026-11-01T05:30:00.000Z'],
      ['3', '2026-11-01T14:00:00.000Z'],
      ['4', '2026-11-02T06:30:00.000Z'],
      ['5', '2026-11-02T14:00:00.000Z'],
    ]);
  });

  it('queues across the spring change: 02:30 on 8 March 2026 does not exist and becomes 03:30 EDT', async () => {
    clock.set('2026-03-06T12:00:00Z');
    const channel = await createChannel(owner, { timezone: 'America/New_York', schedule: everyDay('02:30') });
    for (const text of ['sat', 'sun', 'mon']) await addPost(owner, channel.id, text);
    expect((await queueOf(owner, channel.id)).map(([text, due]) => [text, due])).toEqual([
      ['sat', '2026-03-07T07:30:00.000Z'], // 02:30 EST
      ['sun', '2026-03-08T07:30:00.000Z'], // 03:30 EDT
      ['mon', '2026-03-09T06:30:00.000Z'], // 02:30 EDT
    ]);
  });

  it('pauses a queue; on resume, what fell due while paused takes the next free slots, in order', async () => {
    clock.set(NOW);
    const channel = await createChannel(owner, { schedule: everyDay('09:00', '13:00', '17:00') });
    await addPost(owner, channel.id, 'A'); // Mon 13:00
    await addPost(owner, channel.id, 'X', { mode: 'custom', at: '2026-10-26T15:00:00Z' });
    await addPost(owner, channel.id, 'B'); // Mon 17:00
    await addPost(owner, channel.id, 'C'); // Tue 09:00

    clock.set('2026-10-26T12:30:00Z');
    const paused = await owner.client.post<Channel>(`/api/orgs/${owner.orgId}/channels/${channel.id}/pause`);
    expect(paused.status).toBe(200);
    expect(paused.body.paused).toBe(true);
    const [row] = await t.sql`select paused from channels where id = ${channel.id}`;
    expect(row!.paused).toBe(true);

    // While paused nothing goes out; at 18:00 A, X and B are overdue.
    clock.set('2026-10-26T18:00:00Z');
    const heard: string[] = [];
    const listener = await t.sql.listen('spool_due', (payload) => heard.push(payload));
    try {
      const resumed = await owner.client.post<Channel>(
        `/api/orgs/${owner.orgId}/channels/${channel.id}/resume`,
      );
      expect(resumed.status).toBe(200);
      expect(resumed.body.paused).toBe(false);
      await expect.poll(() => heard).toContain(channel.id);
    } finally {
      await listener.unlisten();
    }
    expect(await queueOf(owner, channel.id)).toEqual([
      ['A', '2026-10-27T09:00:00.000Z', 'queue'],
      ['X', '2026-10-27T13:00:00.000Z', 'queue'],
      ['B', '2026-10-27T17:00:00.000Z', 'queue'],
      ['C', '2026-10-28T09:00:00.000Z', 'queue'],
    ]);
  });

  it('keeps a paused queue in order when posts are added, re-timing from now', async () => {
    clock.set(NOW);
    const channel = await createChannel(owner, { schedule: everyDay('09:00', '13:00', '17:00') });
    await addPost(owner, channel.id, 'A'); // Mon 13:00
    await owner.client.post(`/api/orgs/${owner.orgId}/channels/${channel.id}/pause`);
    clock.set('2026-10-26T14:00:00Z'); // A is overdue, but the queue is paused
    await addPost(owner, channel.id, 'B');
    expect(await queueOf(owner, channel.id)).toEqual([
      ['A', '2026-10-26T17:00:00.000Z', 'queue'],
      ['B', '2026-10-27T09:00:00.000Z', 'queue'],
    ]);
  });
});
