import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CreatedAccount, SimControlClient } from './control-client.ts';
import { type Simulator, startSimulator } from './server.ts';

let sim: Simulator;
let control: SimControlClient;
let clock = Date.UTC(2026, 0, 5, 8, 0, 0);
let alice: CreatedAccount;

beforeAll(async () => {
  sim = await startSimulator({ now: () => clock });
  control = new SimControlClient(sim.url);
});
afterAll(() => sim.close());
beforeEach(async () => {
  await control.reset();
  alice = await control.createAccount({ network: 'mastodon', username: 'alice' });
});

function api(path: string, token: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(`${sim.url}/mastodon${path}`, { ...init, headers });
}

function postStatus(token: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return api('/api/v1/statuses', token, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

interface Status {
  id: string;
  content: string;
  visibility: string;
  in_reply_to_id: string | null;
  text?: string;
  account: { id: string; username: string };
  media_attachments: { id: string; url: string | null }[];
}

describe('Mastodon statuses', () => {
  it('verifies credentials of an account made through the control API', async () => {
    const res = await api('/api/v1/accounts/verify_credentials', alice.accessToken);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: alice.id, username: 'alice', acct: 'alice' });
  });

  it('creates, shows and deletes a status in the documented shapes', async () => {
    const created = await postStatus(alice.accessToken, { status: 'Hello <world>', visibility: 'unlisted' });
    expect(created.status).toBe(200);
    const status = (await created.json()) as Status;
    expect(status).toMatchObject({
      content: '<p>Hello &lt;world&gt;</p>',
      visibility: 'unlisted',
      account: { id: alice.id },
    });
    expect(status.id).toMatch(/^\d+$/);
    expect(status.text).toBeUndefined();

    const shown = await api(`/api/v1/statuses/${status.id}`, alice.accessToken);
    expect(((await shown.json()) as Status).id).toBe(status.id);

    const deleted = await api(`/api/v1/statuses/${status.id}`, alice.accessToken, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(((await deleted.json()) as Status).text).toBe('Hello <world>');

    const gone = await api(`/api/v1/statuses/${status.id}`, alice.accessToken);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual({ error: 'Record not found' });
  });

  it('accepts form-encoded bodies with media_ids[] and replies', async () => {
    const parent = (await (await postStatus(alice.accessToken, { status: 'parent' })).json()) as Status;
    const res = await api('/api/v1/statuses', alice.accessToken, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ status: 'child', in_reply_to_id: parent.id }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Status).in_reply_to_id).toBe(parent.id);
  });

  it('validates like Mastodon: 422 with an error body', async () => {
    const blank = await postStatus(alice.accessToken, { status: '  ' });
    expect(blank.status).toBe(422);
    expect(await blank.json()).toEqual({ error: "Validation failed: Text can't be blank" });

    const long = await postStatus(alice.accessToken, { status: 'a'.repeat(501) });
    expect(long.status).toBe(422);
    expect(((await long.json()) as { error: string }).error).toContain('character limit of 500');

    // A URL counts as 23 characters, however long it is.
    const url = `https://example.com/${'x'.repeat(600)}`;
    expect((await postStatus(alice.accessToken, { status: `see ${url}` })).status).toBe(200);
  });

  it('answers a bad token with 401 and the Doorkeeper body', async () => {
    const res = await postStatus('nope', { status: 'hi' });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'The access token is invalid' });
    const missing = await fetch(`${sim.url}/mastodon/api/v1/accounts/verify_credentials`);
    expect(missing.status).toBe(401);
    expect((await control.posts()).length).toBe(0);
  });
});

describe('Mastodon account statuses', () => {
  it('lists an account’s statuses newest first with limit and max_id', async () => {
    const ids: string[] = [];
    for (let i = 1; i <= 4; i++)
      ids.push(((await (await postStatus(alice.accessToken, { status: `s${i}` })).json()) as Status).id);
    const res = await api(`/api/v1/accounts/${alice.id}/statuses?limit=2`, alice.accessToken);
    expect(((await res.json()) as Status[]).map((s) => s.id)).toEqual([ids[3], ids[2]]);
    const older = await api(`/api/v1/accounts/${alice.id}/statuses?max_id=${ids[2]}`, alice.accessToken);
    expect(((await older.json()) as Status[]).map((s) => s.id)).toEqual([ids[1], ids[0]]);
  });
});

describe('Mastodon Idempotency-Key', () => {
  it('returns the same status for the same key and account, without a second post', async () => {
    const first = (await (
      await postStatus(alice.accessToken, { status: 'once' }, { 'Idempotency-Key': 'k1' })
    ).json()) as Status;
    const again = await postStatus(alice.accessToken, { status: 'once' }, { 'Idempotency-Key': 'k1' });
    expect(again.status).toBe(200);
    expect(((await again.json()) as Status).id).toBe(first.id);
    expect(await control.posts({ network: 'mastodon' })).toHaveLength(1);
    expect((await control.stats()).networks.mastodon?.idempotentReplays).toBe(1);
  });

  it('scopes keys to the account and forgets them after an hour', async () => {
    const bob = await control.createAccount({ network: 'mastodon', username: 'bob' });
    await postStatus(alice.accessToken, { status: 'same' }, { 'Idempotency-Key': 'k' });
    await postStatus(bob.accessToken, { status: 'same' }, { 'Idempotency-Key': 'k' });
    expect(await control.posts()).toHaveLength(2);

    clock += 3_600_001;
    await postStatus(alice.accessToken, { status: 'same' }, { 'Idempotency-Key': 'k' });
    expect(await control.posts({ account: 'alice' })).toHaveLength(2);
    expect((await control.stats()).duplicates.byIdempotencyKey).toBe(1);
  });
});

describe('Mastodon media', () => {
  it('processes uploads asynchronously: 202, then 206, then 200', async () => {
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(1024)], { type: 'image/png' }), 'a.png');
    form.set('description', 'a square');
    const upload = await api('/api/v2/media', alice.accessToken, { method: 'POST', body: form });
    expect(upload.status).toBe(202);
    const media = (await upload.json()) as { id: string; url: string | null; type: string };
    expect(media).toMatchObject({ url: null, type: 'image' });

    expect((await api(`/api/v1/media/${media.id}`, alice.accessToken)).status).toBe(206);
    const early = await postStatus(alice.accessToken, { status: 'pic', media_ids: [media.id] });
    expect(early.status).toBe(422);

    clock += 100;
    const ready = await api(`/api/v1/media/${media.id}`, alice.accessToken);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { url: string }).url).toContain(media.id);
    const status = (await (await postStatus(alice.accessToken, { media_ids: [media.id] })).json()) as Status;
    expect(status.media_attachments.map((m) => m.id)).toEqual([media.id]);
  });
});

describe('Mastodon OAuth', () => {
  it('registers an app, authorizes, and exchanges the code for a token', async () => {
    const app = await fetch(`${sim.url}/mastodon/api/v1/apps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'Spool',
        redirect_uris: 'http://localhost/cb',
        scopes: 'read write',
      }),
    });
    const { client_id, client_secret } = (await app.json()) as { client_id: string; client_secret: string };
    const query = new URLSearchParams({
      client_id,
      redirect_uri: 'http://localhost/cb',
      response_type: 'code',
      scope: 'read write',
      state: 's1',
      login_hint: 'alice',
    });
    const authorize = await fetch(`${sim.url}/mastodon/oauth/authorize?${query}`, { redirect: 'manual' });
    expect(authorize.status).toBe(302);
    const location = new URL(authorize.headers.get('location')!);
    expect(location.searchParams.get('state')).toBe('s1');

    const token = await fetch(`${sim.url}/mastodon/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: location.searchParams.get('code')!,
        client_id,
        client_secret,
        redirect_uri: 'http://localhost/cb',
      }),
    });
    expect(token.status).toBe(200);
    const body = (await token.json()) as { access_token: string; token_type: string; created_at: number };
    expect(body.token_type).toBe('Bearer');
    const me = await api('/api/v1/accounts/verify_credentials', body.access_token);
    expect(((await me.json()) as { username: string }).username).toBe('alice');
  });
});
