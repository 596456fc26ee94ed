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
  type Post,
  queueOf,
  signUpOwner,
  startQueueApp,
  type TestClock,
} from './queue-fixtures.ts';

const NOW = '2026-10-26T12:00:00.000Z';

describe('the approval flow: a contributor writes, an editor approves or sends it back', () => {
  let t: TestApp;
  let clock: TestClock;
  let owner: Member;
  let editor: Member;
  let contributor: Member;
  let channel: Channel;
  beforeAll(async () => {
    ({ t, clock } = await startQueueApp(NOW));
    owner = await signUpOwner(t.url);
    editor = await addMember(t, owner.orgId, 'editor');
    contributor = await addMember(t, owner.orgId, 'contributor');
    channel = await createChannel(owner, { schedule: everyDay('09:00', '13:00', '17:00') });
  });
  afterAll(async () => {
    await t.close();
  });

  const postPath = (post: { id: string }, action = '') =>
    `/api/orgs/${owner.orgId}/posts/${post.id}${action}`;

  it("holds a contributor's post for approval; approving queues it as they asked", async () => {
    clock.set(NOW);
    const res = await createPost(contributor, { text: 'from the intern', channelIds: [channel.id] });
    expect(res.status).toBe(201);
    expect(res.body.targets[0]).toMatchObject({
      status: 'awaiting_approval',
      dueAt: null,
      requestedSchedule: { mode: 'queue' },
    });
    expect(await queueOf(owner, channel.id)).toEqual([]);
    const waiting = await owner.client.get<{ items: { postId: string }[] }>(
      `/api/orgs/${owner.orgId}/posts?status=awaiting_approval`,
    );
    expect(waiting.body.items.map((item) => item.postId)).toContain(res.body.id);

    const selfApproval = await contributor.client.post<ErrorBody>(postPath(res.body, '/approve'));
    expect(selfApproval.status).toBe(403);
    expect(selfApproval.body.error.code).toBe('auth.forbidden');

    await addPost(owner, channel.id, 'already queued'); // takes 13:00 meanwhile
    const approved = await editor.client.post<Post>(postPath(res.body, '/approve'));
    expect(approved.status).toBe(200);
    expect(approved.body.approvedBy).toBe(editor.userId);
    expect(approved.body.targets[0]).toMatchObject({
      status: 'queued',
      dueAt: '2026-10-26T17:00:00.000Z',
      requestedSchedule: null,
    });
    const again = await editor.client.post<ErrorBody>(postPath(res.body, '/approve'));
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('post.not_awaiting_approval');
  });

  it("keeps a contributor's custom time; if it passed before approval, the editor picks another", async () => {
    clock.set(NOW);
    const res = await createPost(contributor, {
      text: 'at a set time',
      channelIds: [channel.id],
      schedule: { mode: 'custom', at: '2026-10-26T15:30:00Z' },
    });
    expect(res.body.targets[0]!.requestedSchedule).toEqual({
      mode: 'custom',
      dueAt: '2026-10-26T15:30:00.000Z',
    });
    clock.set('2026-10-26T16:00:00Z');
    const late = await editor.client.post<ErrorBody>(postPath(res.body, '/approve'));
    expect(late.status).toBe(400);
    expect(late.body.error.code).toBe('queue.slot_in_past');
    const next = await editor.client.post<Post>(postPath(res.body, '/approve'), {
      schedule: { mode: 'next' },
    });
    expect(next.status).toBe(200);
    expect(next.body.targets[0]).toMatchObject({ status: 'queued', dueAt: '2026-10-26T17:00:00.000Z' });
  });

  it('sends a post back to drafts with a reason; the contributor edits and resubmits it', async () => {
    clock.set(NOW);
    const res = await createPost(contributor, { text: 'typo teh', channelIds: [channel.id] });
    const rejected = await editor.client.post<Post>(postPath(res.body, '/reject'), {
      reason: 'Fix the typo.',
    });
    expect(rejected.status).toBe(200);
    expect(rejected.body.rejectionReason).toBe('Fix the typo.');
    expect(rejected.body.targets[0]).toMatchObject({ status: 'draft', rejectionReason: 'Fix the typo.' });
    const drafts = await contributor.client.get<{ items: { postId: string }[] }>(
      `/api/orgs/${owner.orgId}/posts?status=drafts`,
    );
    expect(drafts.body.items.map((item) => item.postId)).toContain(res.body.id);

    const edited = await contributor.client.patch<Post>(postPath(res.body), { text: 'typo the' });
    expect(edited.status).toBe(200);
    const resubmitted = await contributor.client.post<Post>(postPath(res.body, '/schedule'), {
      schedule: { mode: 'queue' },
    });
    expect(resubmitted.status).toBe(200);
    expect(resubmitted.body.rejectionReason).toBeNull();
    expect(resubmitted.body.targets[0]).toMatchObject({ status: 'awaiting_approval', text: 'typo the' });
    const emptyReason = await editor.client.post(postPath(res.body, '/reject'), { reason: '' });
    expect(emptyReason.status).toBe(400);
  });

  it('lets a contributor save drafts, but not change a post that is already queued', async () => {
    clock.set(NOW);
    const draft = await createPost(contributor, {
      text: 'draft',
      channelIds: [channel.id],
      schedule: { mode: 'draft' },
    });
    expect(draft.body.targets[0]!.status).toBe('draft');
    const queued = await createPost(owner, { text: 'queued by the owner', channelIds: [channel.id] });
    const edit = await contributor.client.patch<ErrorBody>(postPath(queued.body), { text: 'changed' });
    expect(edit.status).toBe(403);
    expect(edit.body.error.code).toBe('post.approval_required');
    const remove = await contributor.client.delete<ErrorBody>(postPath(queued.body));
    expect(remove.status).toBe(403);
    const removeDraft = await contributor.client.delete(postPath(draft.body));
    expect(removeDraft.status).toBe(204);
  });
});
