import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SimControlClient } from './control-client.ts';
import { type Simulator, startSimulator } from './server.ts';

let sim: Simulator;
let control: SimControlClient;

beforeAll(async () => {
  sim = await startSimulator({ faults: { global: { latency: { kind: 'fixed', ms: 0 } } } });
  control = new SimControlClient(sim.url);
});
afterAll(() => sim.close());
beforeEach(() => control.reset());

function status(token: string, text: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sim.url}/mastodon/api/v1/statuses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ status: text }),
  });
}

function tweet(token: string, text: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sim.url}/x/2/tweets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ text }),
  });
}

function postJson(path: string, body: unknown): Promise<Response> {
  return fetch(sim.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

describe('control API', () => {
  it('creates accounts with tokens and validates the request', async () => {
    const account = await control.createAccount({ network: 'x', username: 'a' });
    expect(account).toMatchObject({ network: 'x', username: 'a' });
    expect(account.accessToken.length).toBeGreaterThan(20);
    expect(account.refreshToken).not.toBeNull();
    expect(account.expiresAt).not.toBeNull();

    expect((await postJson('/_sim/accounts', { network: 'myspace' })).status).toBe(400);
    expect((await postJson('/_sim/accounts', { network: 'x', username: 'a' })).status).toBe(409);
    expect((await postJson('/_sim/accounts', { nope: true })).status).toBe(400);
    const bad = await fetch(`${sim.url}/_sim/accounts`, { method: 'POST', body: '{' });
    expect(bad.status).toBe(400);
  });

  it('lists posts by network and by account id or username, with created times', async () => {
    const alice = await control.createAccount({ network: 'mastodon', username: 'alice' });
    const bob = await control.createAccount({ network: 'mastodon', username: 'bob' });
    const xu = await control.createAccount({ network: 'x', username: 'xu' });
    await status(alice.accessToken, 'a1', { 'Idempotency-Key': 'key-a1' });
    await status(alice.accessToken, 'a2');
    await status(bob.accessToken, 'b1');
    await tweet(xu.accessToken, 'x1');

    const before = Date.now();
    expect(await control.posts({ network: 'mastodon' })).toHaveLength(3);
    const alicePosts = await control.posts({ account: 'alice' });
    expect(alicePosts.map((p) => p.text)).toEqual(['a1', 'a2']);
    expect(alicePosts[0]).toMatchObject({
      network: 'mastodon',
      accountId: alice.id,
      idempotencyKey: 'key-a1',
    });
    expect(alicePosts[0]!.createdAt).toBeLessThanOrEqual(before);
    expect(await control.posts({ account: bob.id })).toHaveLength(1);
    expect(await control.posts({ account: 'nobody' })).toHaveLength(0);

    const stats = await control.stats();
    expect(stats.networks.mastodon).toMatchObject({ accounts: 2, posts: 3, requests: 3 });
    expect(stats.networks.x).toMatchObject({ accounts: 1, posts: 1 });
    expect(stats.totals.posts).toBe(4);
  });

  it('expires one token by accessToken, and filters state by accountId in process', async () => {
    const a = await control.createAccount({ network: 'mastodon' });
    await status(a.accessToken, 'before');
    expect(sim.state.listPosts({ accountId: a.id })).toHaveLength(1);
    const res = await fetch(`${sim.url}/_sim/tokens/expire`, {
      method: 'POST',
      body: JSON.stringify({ accessToken: a.accessToken }),
    });
    expect(await res.json()).toEqual({ expired: 1 });
    expect((await status(a.accessToken, 'after')).status).toBe(401);
  });

  it('keeps deleted posts countable', async () => {
    const alice = await control.createAccount({ network: 'mastodon' });
    const { id } = (await (await status(alice.accessToken, 'gone')).json()) as { id: string };
    await fetch(`${sim.url}/mastodon/api/v1/statuses/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${alice.accessToken}` },
    });
    expect(await control.posts({ includeDeleted: false })).toHaveLength(0);
    const all = await control.posts();
    expect(all[0]?.deletedAt).not.toBeNull();
    expect((await control.stats()).networks.mastodon?.deleted).toBe(1);
  });

  it('detects duplicates by text and by client reference, per account', async () => {
    const alice = await control.createAccount({ network: 'mastodon', username: 'alice' });
    const bob = await control.createAccount({ network: 'mastodon', username: 'bob' });
    const xu = await control.createAccount({ network: 'x' });
    await status(alice.accessToken, 'Big news');
    await status(alice.accessToken, 'Big news');
    await status(bob.accessToken, 'Big news'); // another account: not a duplicate
    await tweet(xu.accessToken, 'first wording', { 'X-Sim-Client-Ref': 'target-1' });
    await tweet(xu.accessToken, 'second wording', { 'X-Sim-Client-Ref': 'target-1' });

    const stats = await control.stats();
    expect(stats.duplicates).toEqual({ byText: 1, byClientRef: 1, byIdempotencyKey: 0 });
    const groups = await control.duplicates();
    expect(groups.map((g) => [g.reason, g.value, g.postIds.length])).toEqual([
      ['text', 'Big news', 2],
      ['clientRef', 'target-1', 2],
    ]);
  });

  it('returns and replaces fault settings, and reset restores the start options', async () => {
    await control.setFaults({ networks: { x: { serverErrorRate: 0.5 } } });
    const current = await (await fetch(`${sim.url}/_sim/faults`)).json();
    expect(current).toEqual({ networks: { x: { serverErrorRate: 0.5 } } });
    await control.reset();
    expect(await (await fetch(`${sim.url}/_sim/faults`)).json()).toEqual({
      global: { latency: { kind: 'fixed', ms: 0 } },
    });
    expect((await control.stats()).totals).toEqual({ posts: 0, requests: 0 });
  });

  it('answers unknown routes with 404 in the right shape', async () => {
    expect((await fetch(`${sim.url}/nowhere`)).status).toBe(404);
    const x = await fetch(`${sim.url}/x/1.1/statuses/update.json`, { method: 'POST' });
    expect(x.status).toBe(404);
    expect(await x.json()).toEqual({ errors: [{ message: 'Sorry, that page does not exist', code: 34 }] });
    expect((await fetch(`${sim.url}/_sim/health`)).status).toBe(200);
  });
});
