import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannel, type ErrorBody, type Member, signUpOwner } from '../queue/queue-fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

interface Group {
  id: string;
  name: string;
  channelIds: string[];
}

describe('profile groups: named sets of channels', () => {
  let t: TestApp;
  let owner: Member;
  beforeAll(async () => {
    t = await startTestApp();
    owner = await signUpOwner(t.url);
  });
  afterAll(async () => {
    await t.close();
  });

  const base = () => `/api/orgs/${owner.orgId}/groups`;

  it('creates, renames, changes the channels of, and deletes a group', async () => {
    const [a, b, c] = [await createChannel(owner), await createChannel(owner), await createChannel(owner)];
    const created = await owner.client.post<Group>(base(), {
      name: 'Bakery',
      channelIds: [a!.id, b!.id, a!.id],
    });
    expect(created.status).toBe(201);
    expect(created.body.channelIds).toEqual([a!.id, b!.id].sort());
    const id = created.body.id;

    const renamed = await owner.client.patch<Group>(`${base()}/${id}`, {
      name: 'Bakery & Café',
      channelIds: [c!.id],
    });
    expect(renamed.body).toMatchObject({ name: 'Bakery & Café', channelIds: [c!.id] });
    const added = await owner.client.put<Group>(`${base()}/${id}/channels/${a!.id}`);
    expect(added.body.channelIds).toEqual([a!.id, c!.id].sort());
    const removed = await owner.client.delete<Group>(`${base()}/${id}/channels/${c!.id}`);
    expect(removed.body.channelIds).toEqual([a!.id]);
    const listed = await owner.client.get<{ groups: Group[] }>(base());
    expect(listed.body.groups.map((g) => g.name)).toEqual(['Bakery & Café']);

    const duplicate = await owner.client.post<ErrorBody>(base(), { name: 'Bakery & Café' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.code).toBe('group.name_taken');

    expect((await owner.client.delete(`${base()}/${id}`)).status).toBe(204);
    expect((await owner.client.get(`${base()}/${id}`)).status).toBe(404);
    // The channels stay.
    expect((await owner.client.get(`/api/orgs/${owner.orgId}/channels/${a!.id}`)).status).toBe(200);
  });

  it("never lets a group hold another organization's channel, nor be reached from another organization", async () => {
    const stranger = await signUpOwner(t.url);
    const foreign = await createChannel(stranger);
    const res = await owner.client.post<ErrorBody>(base(), { name: 'Sneaky', channelIds: [foreign.id] });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('channel.not_found');
    const mine = await owner.client.post<Group>(base(), { name: 'Mine' });
    expect((await stranger.client.get(`/api/orgs/${stranger.orgId}/groups/${mine.body.id}`)).status).toBe(
      404,
    );
    expect(
      (await stranger.client.put(`/api/orgs/${stranger.orgId}/groups/${mine.body.id}/channels/${foreign.id}`))
        .status,
    ).toBe(404);
    expect((await owner.client.put(`${base()}/${mine.body.id}/channels/${foreign.id}`)).status).toBe(404);
  });
});
