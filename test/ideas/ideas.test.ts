import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpClient, signUpUser } from '../support/http-client.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

interface Column {
  id: string;
  name: string;
  position: number;
  ideaCount: number;
}
interface Idea {
  id: string;
  columnId: string;
  position: number;
  title: string;
  text: string;
  tags: string[];
  media: { mediaId: string; altText: string }[];
  postIds: string[];
}

describe('ideas board over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const columns = async (client: HttpClient, orgId: string) =>
    (await client.get<{ columns: Column[] }>(`/api/orgs/${orgId}/idea-columns`)).body.columns;
  const ideas = async (client: HttpClient, orgId: string, query = '') =>
    (await client.get<{ ideas: Idea[] }>(`/api/orgs/${orgId}/ideas${query}`)).body.ideas;
  const titlesByColumn = async (client: HttpClient, orgId: string) => {
    const board = await columns(client, orgId);
    const all = await ideas(client, orgId);
    return Object.fromEntries(
      board.map((c) => [c.name, all.filter((i) => i.columnId === c.id).map((i) => i.title)]),
    );
  };
  const addIdea = async (client: HttpClient, orgId: string, body: Record<string, unknown>) => {
    const res = await client.post<Idea>(`/api/orgs/${orgId}/ideas`, body);
    expect(res.status).toBe(201);
    return res.body;
  };

  it('creates the default columns on first look, once, even when asked twice at the same time', async () => {
    const { client, organizationId } = await signUpUser(t.url);
    const [a, b] = await Promise.all([columns(client, organizationId), columns(client, organizationId)]);
    expect(a.map((c) => c.name)).toEqual(['Unassigned', 'To do', 'In progress', 'Done']);
    expect(b).toEqual(a);
    expect(a.map((c) => c.position)).toEqual([0, 1, 2, 3]);
  });

  it('adds ideas to the first column in order, or at a chosen place; edits them; tags without duplicates', async () => {
    const { client, organizationId } = await signUpUser(t.url);
    const first = await addIdea(client, organizationId, {
      title: 'A',
      tags: ['launch', '#Launch', 'spring'],
    });
    expect(first.tags).toEqual(['launch', 'spring']);
    await addIdea(client, organizationId, { title: 'B' });
    await addIdea(client, organizationId, { title: 'C', position: 0 });
    const board = await columns(client, organizationId);
    expect(first.columnId).toBe(board[0]!.id);
    expect((await titlesByColumn(client, organizationId)).Unassigned).toEqual(['C', 'A', 'B']);

    const edited = await client.patch<Idea>(`/api/orgs/${organizationId}/ideas/${first.id}`, {
      text: 'A longer thought',
      tags: ['summer'],
    });
    expect(edited.body).toMatchObject({ title: 'A', text: 'A longer thought', tags: ['summer'] });
    expect((await ideas(client, organizationId, '?tag=SUMMER')).map((i) => i.title)).toEqual(['A']);

    const empty = await client.post(`/api/orgs/${organizationId}/ideas`, { tags: ['x'] });
    expect(empty.status).toBe(400);
  });

  it('moves ideas between columns and reorders within one, keeping positions dense', async () => {
    const { client, organizationId } = await signUpUser(t.url);
    const board = await columns(client, organizationId);
    const [unassigned, todo] = [board[0]!.id, board[1]!.id];
    const made: Record<string, Idea> = {};
    for (const title of ['A', 'B', 'C', 'D']) made[title] = await addIdea(client, organizationId, { title });

    const move = (idea: string, body: Record<string, unknown>) =>
      client.post<Idea>(`/api/orgs/${organizationId}/ideas/${made[idea]!.id}/move`, body);
    expect((await move('D', { position: 0 })).body).toMatchObject({ columnId: unassigned, position: 0 });
    expect((await titlesByColumn(client, organizationId)).Unassigned).toEqual(['D', 'A', 'B', 'C']);
    await move('D', { position: 99 });
    expect((await titlesByColumn(client, organizationId)).Unassigned).toEqual(['A', 'B', 'C', 'D']);
    await move('B', { columnId: todo, position: 0 });
    await move('C', { columnId: todo, position: 0 });
    await move('A', { columnId: todo, position: 1 });
    const after = await titlesByColumn(client, organizationId);
    expect(after.Unassigned).toEqual(['D']);
    expect(after['To do']).toEqual(['C', 'A', 'B']);
    for (const idea of await ideas(client, organizationId)) {
      const siblings = (await ideas(client, organizationId, `?columnId=${idea.columnId}`)).map(
        (i) => i.position,
      );
      expect(siblings).toEqual(siblings.map((_, i) => i));
    }

    expect((await client.delete(`/api/orgs/${organizationId}/ideas/${made.C!.id}`)).status).toBe(204);
    expect(
      (await ideas(client, organizationId, `?columnId=${todo}`)).map((i) => [i.title, i.position]),
    ).toEqual([
      ['A', 0],
      ['B', 1],
    ]);
  });

  it('stays consistent under many concurrent moves on one board', async () => {
    const { client, organizationId } = await signUpUser(t.url);
    const board = await columns(client, organizationId);
    const created: Idea[] = [];
    for (let i = 0; i < 12; i++) created.push(await addIdea(client, organizationId, { title: `idea ${i}` }));

    // 60 moves at once, each to a random column and place.
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const moves = Array.from({ length: 60 }, () => {
      const idea = created[random(created.length)]!;
      const column = board[random(board.length)]!;
      return client.post(`/api/orgs/${organizationId}/ideas/${idea.id}/move`, {
        columnId: column.id,
        position: random(8),
      });
    });
    const results = await Promise.all(moves);
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));

    const all = await ideas(client, organizationId);
    expect(all.map((i) => i.id).sort()).toEqual(created.map((i) => i.id).sort());
    for (const column of board) {
      const positions = all.filter((i) => i.columnId === column.id).map((i) => i.position);
      expect(positions).toEqual(positions.map((_, i) => i));
    }
  });

  it('adds, renames, reorders and deletes columns; refuses to delete a non-empty or the last column', async () => {
    const { client, organizationId } = await signUpUser(t.url);
    const created = await client.post<Column>(`/api/orgs/${organizationId}/idea-columns`, {
      name: 'Later',
      position: 1,
    });
    expect(created.status).toBe(201);
    expect((await columns(client, organizationId)).map((c) => c.name)).toEqual([
      'Unassigned',
      'Later',
      'To do',
      'In progress',
      'Done',
    ]);
    const dup = await client.post(`/api/orgs/${organizationId}/idea-columns`, { name: 'later' });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ error: { code: 'idea_column.name_taken' } });

    await client.patch(`/api/orgs/${organizationId}/idea-columns/${created.body.id}`, {
      name: 'Someday',
      position: 9,
    });
    expect((await columns(client, organizationId)).map((c) => [c.name, c.position])).toEqual([
      ['Unassigned', 0],
      ['To do', 1],
      ['In progress', 2],
      ['Done', 3],
      ['Someday', 4],
    ]);

    const idea = await addIdea(client, organizationId, { title: 'x', columnId: created.body.id });
    const refused = await client.delete(`/api/orgs/${organizationId}/idea-columns/${created.body.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      error: { code: 'idea_column.not_empty', details: { ideaCount: 1 } },
    });
    await client.delete(`/api/orgs/${organizationId}/ideas/${idea.id}`);
    expect((await client.delete(`/api/orgs/${organizationId}/idea-columns/${created.body.id}`)).status).toBe(
      204,
    );

    const rest = await columns(client, organizationId);
    for (const column of rest.slice(1)) {
      expect((await client.delete(`/api/orgs/${organizationId}/idea-columns/${column.id}`)).status).toBe(204);
    }
    const last = await client.delete(`/api/orgs/${organizationId}/idea-columns/${rest[0]!.id}`);
    expect(last.status).toBe(409);
    expect(last.body).toMatchObject({ error: { code: 'idea_column.last' } });
  });

  it('turns an idea into a draft post and keeps the idea, linked', async () => {
    const { client, organizationId, userId } = await signUpUser(t.url);
    const idea = await addIdea(client, organizationId, {
      title: 'Launch day',
      text: 'We open at 9!',
      tags: ['launch'],
    });
    const res = await client.post<{ postId: string; idea: Idea }>(
      `/api/orgs/${organizationId}/ideas/${idea.id}/post`,
    );
    expect(res.status).toBe(201);
    expect(res.body.idea.postIds).toEqual([res.body.postId]);
    const [post] = await t.sql<
      { organization_id: string; author_user_id: string; text: string; tags: string[] }[]
    >`
      select organization_id, author_user_id, text, tags from posts where id = ${res.body.postId}`;
    expect(post).toEqual({
      organization_id: organizationId,
      author_user_id: userId,
      text: 'We open at 9!',
      tags: ['launch'],
    });
    const [targets] = await t.sql<
      { n: string }[]
    >`select count(*) as n from post_targets where post_id = ${res.body.postId}`;
    expect(Number(targets!.n)).toBe(0);
    expect((await client.get<Idea>(`/api/orgs/${organizationId}/ideas/${idea.id}`)).body.postIds).toEqual([
      res.body.postId,
    ]);
  });

  it('goes away with its organization', async () => {
    const { client, organizationId } = await signUpUser(t.url);
    await addIdea(client, organizationId, { title: 'doomed' });
    await t.sql`delete from organizations where id = ${organizationId}`;
    const [left] = await t.sql<{ n: string }[]>`
      select (select count(*) from ideas where organization_id = ${organizationId})
           + (select count(*) from idea_columns where organization_id = ${organizationId}) as n`;
    expect(Number(left!.n)).toBe(0);
  });

  it('keeps every board to its organization', async () => {
    const ana = await signUpUser(t.url);
    const bob = await signUpUser(t.url);
    const idea = await addIdea(ana.client, ana.organizationId, { title: 'secret plan' });
    const anaColumn = (await columns(ana.client, ana.organizationId))[1]!;
    const bobIdea = await addIdea(bob.client, bob.organizationId, { title: 'mine' });

    expect((await bob.client.get(`/api/orgs/${ana.organizationId}/ideas`)).status).toBe(404);
    for (const res of [
      await bob.client.get(`/api/orgs/${bob.organizationId}/ideas/${idea.id}`),
      await bob.client.patch(`/api/orgs/${bob.organizationId}/ideas/${idea.id}`, { title: 'x' }),
      await bob.client.post(`/api/orgs/${bob.organizationId}/ideas/${idea.id}/move`, { position: 0 }),
      await bob.client.post(`/api/orgs/${bob.organizationId}/ideas/${idea.id}/post`),
      await bob.client.delete(`/api/orgs/${bob.organizationId}/ideas/${idea.id}`),
      await bob.client.post(`/api/orgs/${bob.organizationId}/ideas/${bobIdea.id}/move`, {
        columnId: anaColumn.id,
        position: 0,
      }),
      await bob.client.delete(`/api/orgs/${bob.organizationId}/idea-columns/${anaColumn.id}`),
    ]) {
      expect(res.status).toBe(404);
    }
    const media = await bob.client.post(`/api/orgs/${bob.organizationId}/ideas`, {
      title: 'with media',
      media: [{ mediaId: '00000000-0000-4000-8000-000000000000', altText: '' }],
    });
    expect(media.status).toBe(400);
    expect(media.body).toMatchObject({ error: { code: 'media.not_found' } });
  });
});
