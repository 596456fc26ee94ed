import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/test-app.ts';
import {
  addPost,
  createChannel,
  type ErrorBody,
  everyDay,
  type Member,
  type Post,
  queueOf,
  signUpOwner,
  startQueueApp,
  type Target,
  type TestClock,
} from './queue-fixtures.ts';

const NOW = '2026-10-26T12:00:00.000Z';

describe('requeue a failed post, re-buffer a published one', () => {
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

  const targetPath = (target: Target, action: string) =>
    `/api/orgs/${owner.orgId}/posts/${target.postId}/targets/${target.id}/${action}`;

  it('puts a failed or unconfirmed post back at the end of the queue, forgetting its failed attempts', async () => {
    clock.set(NOW);
    const channel = await createChannel(owner, { schedule: everyDay('09:00', '13:00', '17:00') });
    const failed = await addPost(owner, channel.id, 'failed one'); // Mon 13:00
    await addPost(owner, channel.id, 'B'); // Mon 17:00
    // At 13:30 the publisher has tried it and given up.
    clock.set('2026-10-26T13:30:00Z');
    await t.sql`
      update post_targets set status = 'failed', attempts = 3, last_error_code = 'invalid', last_error = 'Rejected'
      where id = ${failed.id}`;
    const queued = await addPost(owner, channel.id, 'C');
    const notFailed = await owner.client.post<ErrorBody>(targetPath(queued, 'requeue'));
    expect(notFailed.status).toBe(409);
    expect(notFailed.body.error.code).toBe('target.not_failed');
    // A target named under another post is not found.
    const mismatched = await owner.client.post<ErrorBody>(
      targetPath({ ...failed, id: queued.id }, 'requeue'),
    );
    expect(mismatched.status).toBe(404);

    const res = await owner.client.post<Target & { lastError: unknown }>(targetPath(failed, 'requeue'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'queued', lastError: null, dueAt: '2026-10-27T13:00:00.000Z' });
    const [row] = await t.sql`select attempts from post_targets where id = ${failed.id}`;
    expect(row!.attempts).toBe(0);
    expect((await queueOf(owner, channel.id)).map(([text]) => text)).toEqual(['B', 'C', 'failed one']);

    await t.sql`update post_targets set status = 'unconfirmed' where id = ${failed.id}`;
    const next = await owner.client.post<Target>(targetPath(failed, 'requeue'), {
      schedule: { mode: 'next' },
    });
    expect(next.body.dueAt).toBe('2026-10-26T17:00:00.000Z');
    expect((await queueOf(owner, channel.id)).map(([text]) => text)).toEqual(['failed one', 'B', 'C']);
  });

  it('re-buffers a published post as a new post for the same channel, added to the queue; a retry with the same key does not add it twice', async () => {
    clock.set(NOW);
    const channel = await createChannel(owner, { schedule: everyDay('09:00', '13:00', '17:00') });
    const sent = await addPost(owner, channel.id, 'evergreen');
    await t.sql`
      update post_targets
      set status = 'published', published_at = ${NOW}, network_post_id = '1', network_post_url = 'https://example.social/1'
      where id = ${sent.id}`;
    await addPost(owner, channel.id, 'queued meanwhile');
    const headers = { 'idempotency-key': 'rebuffer-evergreen-1' };
    const res = await owner.client.post<Post>(targetPath(sent, 'rebuffer'), {}, headers);
    expect(res.status).toBe(201);
    expect(res.body.id).not.toBe(sent.postId);
    expect(res.body.targets[0]).toMatchObject({
      channelId: channel.id,
      text: 'evergreen',
      status: 'queued',
      dueAt: '2026-10-26T17:00:00.000Z',
    });
    const replay = await owner.client.post<Post>(targetPath(sent, 'rebuffer'), {}, headers);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(res.body.id);
    expect((await queueOf(owner, channel.id)).map(([text]) => text)).toEqual([
      'queued meanwhile',
      'evergreen',
    ]);
    const original = await owner.client.get<Post>(`/api/orgs/${owner.orgId}/posts/${sent.postId}`);
    expect(original.body.targets[0]!.status).toBe('published');

    const notPublished = await owner.client.post<ErrorBody>(targetPath(res.body.targets[0]!, 'rebuffer'));
    expect(notPublished.status).toBe(409);
    expect(notPublished.body.error.code).toBe('target.not_published');
    const edit = await owner.client.patch<ErrorBody>(
      `/api/orgs/${owner.orgId}/posts/${sent.postId}/targets/${sent.id}`,
      { text: 'rewrite history' },
    );
    expect(edit.status).toBe(409);
    expect(edit.body.error.code).toBe('target.already_published');
  });

  it('refuses to change or delete a post while it is being published', async () => {
    clock.set(NOW);
    const channel = await createChannel(owner, { schedule: everyDay('09:00') });
    const target = await addPost(owner, channel.id, 'in flight');
    await t.sql`update post_targets set status = 'publishing' where id = ${target.id}`;
    const remove = await owner.client.delete<ErrorBody>(`/api/orgs/${owner.orgId}/posts/${target.postId}`);
    expect(remove.status).toBe(409);
    expect(remove.body.error.code).toBe('target.publishing');
    const edit = await owner.client.patch<ErrorBody>(`/api/orgs/${owner.orgId}/posts/${target.postId}`, {
      text: 'x',
    });
    expect(edit.status).toBe(409);
  });
});
