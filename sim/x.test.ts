import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CreatedAccount, SimControlClient } from './control-client.ts';
import { type Simulator, startSimulator } from './server.ts';

let sim: Simulator;
let control: SimControlClient;
let clock = Date.UTC(2026, 0, 5, 8, 0, 0);
let user: CreatedAccount;

beforeAll(async () => {
  sim = await startSimulator({ now: () => clock });
  control = new SimControlClient(sim.url);
});
afterAll(() => sim.close());
beforeEach(async () => {
  await control.reset();
  user = await control.createAccount({ network: 'x', username: 'spoolhq', displayName: 'Spool' });
});

function api(path: string, token: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(`${sim.url}/x${path}`, { ...init, headers });
}

function tweet(token: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return api('/2/tweets', token, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

function form(path: string, params: Record<string, string>) {
  return fetch(`${sim.url}/x${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
}

interface Created {
  data: { id: string; text: string; edit_history_tweet_ids: string[] };
}

describe('X API v2 tweets', () => {
  it('returns the authenticated user from /2/users/me', async () => {
    const res = await api('/2/users/me', user.accessToken);
    expect(await res.json()).toEqual({ data: { id: user.id, name: 'Spool', username: 'spoolhq' } });
  });

  it('creates (201), looks up and deletes a tweet', async () => {
    const res = await tweet(user.accessToken, { text: 'Hello X' });
    expect(res.status).toBe(201);
    const { data } = (await res.json()) as Created;
    expect(data).toEqual({ id: data.id, text: 'Hello X', edit_history_tweet_ids: [data.id] });

    const shown = await api(`/2/tweets/${data.id}?tweet.fields=created_at,author_id`, user.accessToken);
    expect(await shown.json()).toMatchObject({ data: { id: data.id, author_id: user.id } });

    const deleted = await api(`/2/tweets/${data.id}`, user.accessToken, { method: 'DELETE' });
    expect(await deleted.json()).toEqual({ data: { deleted: true } });

    const missing = await api(`/2/tweets/${data.id}`, user.accessToken);
    expect(missing.status).toBe(200);
    const body = (await missing.json()) as { errors: { title: string }[] };
    expect(body.errors[0]?.title).toBe('Not Found Error');
  });

  it('posts replies with uploaded media', async () => {
    const parent = (await (await tweet(user.accessToken, { text: 'thread 1/2' })).json()) as Created;
    const upload = new FormData();
    upload.set('media', new Blob([new Uint8Array(10)], { type: 'image/jpeg' }), 'a.jpg');
    upload.set('media_category', 'tweet_image');
    const media = await api('/2/media/upload', user.accessToken, { method: 'POST', body: upload });
    const mediaId = ((await media.json()) as { data: { id: string } }).data.id;

    const res = await tweet(user.accessToken, {
      text: 'thread 2/2',
      reply: { in_reply_to_tweet_id: parent.data.id },
      media: { media_ids: [mediaId] },
    });
    expect(res.status).toBe(201);
    const posts = await control.posts({ network: 'x' });
    expect(posts[1]).toMatchObject({ inReplyToId: parent.data.id, mediaIds: [mediaId] });

    const badMedia = await tweet(user.accessToken, { text: 'x', media: { media_ids: ['1'] } });
    expect(badMedia.status).toBe(400);
  });

  it('rejects duplicate content with 403 and ignores Idempotency-Key', async () => {
    await tweet(user.accessToken, { text: 'same words' });
    const dup = await tweet(user.accessToken, { text: 'same words' });
    expect(dup.status).toBe(403);
    expect(await dup.json()).toEqual({
      detail: 'You are not allowed to create a Tweet with duplicate content.',
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
    });
    expect((await control.stats()).networks.x?.duplicateRejections).toBe(1);

    // X has no idempotency: the same key twice makes two tweets.
    await tweet(user.accessToken, { text: 'one' }, { 'Idempotency-Key': 'k' });
    await tweet(user.accessToken, { text: 'two' }, { 'Idempotency-Key': 'k' });
    expect(await control.posts({ network: 'x' })).toHaveLength(3);
  });

  it('rejects text over 280 weighted characters', async () => {
    expect((await tweet(user.accessToken, { text: 'a'.repeat(281) })).status).toBe(403);
    expect((await tweet(user.accessToken, { text: 'a'.repeat(280) })).status).toBe(201);
  });
});

describe('X user timeline', () => {
  it('lists recent tweets newest first, filtered by start_time, paginated', async () => {
    for (let i = 1; i <= 7; i++) {
      await tweet(user.accessToken, { text: `t${i}` });
      clock += 1000;
    }
    const since = new Date(clock - 5_500).toISOString(); // t3..t7
    const res = await api(`/2/users/${user.id}/tweets?start_time=${since}&max_results=5`, user.accessToken);
    const page = (await res.json()) as {
      data: { text: string }[];
      meta: { result_count: number; next_token?: string };
    };
    expect(page.data.map((t) => t.text)).toEqual(['t7', 't6', 't5', 't4', 't3']);
    expect(page.meta.result_count).toBe(5);

    const first = (await (
      await api(`/2/users/${user.id}/tweets?max_results=5`, user.accessToken)
    ).json()) as typeof page;
    expect(first.meta.next_token).toBeDefined();
    const next = await api(
      `/2/users/${user.id}/tweets?max_results=5&pagination_token=${first.meta.next_token}`,
      user.accessToken,
    );
    expect(((await next.json()) as typeof page).data.map((t) => t.text)).toEqual(['t2', 't1']);

    const empty = await api(
      `/2/users/${user.id}/tweets?start_time=${new Date(clock + 1000).toISOString()}`,
      user.accessToken,
    );
    expect(await empty.json()).toEqual({ meta: { result_count: 0 } });
    expect((await api(`/2/users/${user.id}/tweets?max_results=500`, user.accessToken)).status).toBe(400);
  });
});

describe('X OAuth 2', () => {
  it('expires access tokens after 2 hours (401) and refreshes them with a single-use refresh token', async () => {
    clock += 2 * 3600 * 1000;
    const expired = await api('/2/users/me', user.accessToken);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({
      title: 'Unauthorized',
      type: 'about:blank',
      status: 401,
      detail: 'Unauthorized',
    });

    const refreshed = await form('/2/oauth2/token', {
      grant_type: 'refresh_token',
      refresh_token: user.refreshToken!,
      client_id: 'spool',
    });
    expect(refreshed.status).toBe(200);
    const tokens = (await refreshed.json()) as {
      access_token: string;
      refresh_token: string;
      token_type: string;
      expires_in: number;
    };
    expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 7200 });
    expect((await api('/2/users/me', tokens.access_token)).status).toBe(200);

    const reused = await form('/2/oauth2/token', {
      grant_type: 'refresh_token',
      refresh_token: user.refreshToken!,
    });
    expect(reused.status).toBe(400);
    expect(await reused.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('runs the authorization-code flow', async () => {
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: 'spool',
      redirect_uri: 'http://localhost/cb',
      scope: 'tweet.read tweet.write users.read offline.access',
      state: 'abc',
      code_challenge: 'challenge',
      code_challenge_method: 'plain',
    });
    const authorize = await fetch(`${sim.url}/x/i/oauth2/authorize?${query}`, { redirect: 'manual' });
    const code = new URL(authorize.headers.get('location')!).searchParams.get('code')!;
    const res = await form('/2/oauth2/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'http://localhost/cb',
      code_verifier: 'challenge',
      client_id: 'spool',
    });
    const tokens = (await res.json()) as { access_token: string; refresh_token: string };
    const me = await api('/2/users/me', tokens.access_token);
    expect(((await me.json()) as { data: { username: string } }).data.username).toBe('spoolhq');
  });
});
