import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../sim/server.ts';
import { HttpClient, signUpUser } from '../support/http-client.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * Connecting Mastodon accounts through Spool's API against the simulator's OAuth endpoints (its
 * consent page approves at once): the flow's error paths, single-use state, scoping and the SSRF
 * rules. The same flow with a real login form runs against snac2 in mastodon-snac.test.ts.
 */

let sim: Simulator;
let app: TestApp;
let guarded: TestApp;

beforeAll(async () => {
  sim = await startSimulator({ seed: 3 });
  app = await startTestApp({ env: { SSRF_ALLOW_PRIVATE: 'true' } });
  guarded = await startTestApp();
});
afterAll(async () => {
  await guarded?.close();
  await app?.close();
  await sim?.close();
});

const instance = () => `${sim.url}/mastodon`;

async function simAccount(username: string) {
  await fetch(`${sim.url}/_sim/accounts`, {
    method: 'POST',
    body: JSON.stringify({ network: 'mastodon', username }),
  });
}

/** Starts the flow and lets the simulator's consent page answer; returns the callback path. */
async function authorize(client: HttpClient, orgId: string, loginHint?: string): Promise<string> {
  const started = await client.post<{ authorizeUrl: string }>(
    `/api/orgs/${orgId}/channels/mastodon/authorize`,
    {
      instanceUrl: instance(),
    },
  );
  expect(started.status, started.text).toBe(200);
  const url = new URL(started.body.authorizeUrl);
  if (loginHint) url.searchParams.set('login_hint', loginHint);
  const consent = await fetch(url, { redirect: 'manual' });
  const callback = new URL(consent.headers.get('location')!);
  return `${callback.pathname}${callback.search}`;
}

describe('connecting a Mastodon account', () => {
  it('creates the channel on the first connection and reconnects it on the next', async () => {
    const person = await signUpUser(app.url);
    await simAccount('ana');
    const first = await person.client.get(await authorize(person.client, person.organizationId, 'ana'));
    expect(first.status, first.text).toBe(303);
    const channelId = new URL(first.headers.get('location')!, app.url).searchParams.get('connected')!;
    const list = await person.client.get<{ channels: { id: string; handle: string; network: string }[] }>(
      `/api/orgs/${person.organizationId}/channels`,
    );
    expect(list.body.channels).toEqual([
      expect.objectContaining({ id: channelId, network: 'mastodon', handle: `ana@${new URL(sim.url).host}` }),
    ]);
    const again = await person.client.get(await authorize(person.client, person.organizationId, 'ana'));
    expect(new URL(again.headers.get('location')!, app.url).searchParams.get('connected')).toBe(channelId);
    const [row] = await app.sql<
      { credentials_sealed: string }[]
    >`select credentials_sealed from channels where id = ${channelId}`;
    const credentials = JSON.parse(app.secretBox.open(row!.credentials_sealed, `channel:${channelId}`));
    expect(credentials).toMatchObject({
      accessToken: expect.any(String),
      clientId: expect.any(String),
      scope: 'read write',
    });
  });

  it('reconnects a channel first added with an access token, instead of adding a second one', async () => {
    const person = await signUpUser(app.url);
    const res = await fetch(`${sim.url}/_sim/accounts`, {
      method: 'POST',
      body: JSON.stringify({ network: 'mastodon', username: 'dora' }),
    });
    const account = (await res.json()) as { id: string; accessToken: string };
    const added = await person.client.post<{ id: string }>(`/api/orgs/${person.organizationId}/channels`, {
      network: 'mastodon',
      accountId: account.id,
      handle: 'dora',
      serviceUrl: `${instance()}/`,
      credentials: { accessToken: account.accessToken },
    });
    expect(added.status, added.text).toBe(201);
    const done = await person.client.get(await authorize(person.client, person.organizationId, 'dora'));
    expect(new URL(done.headers.get('location')!, app.url).searchParams.get('connected')).toBe(added.body.id);
    const list = await person.client.get<{ channels: { id: string; accountId: string }[] }>(
      `/api/orgs/${person.organizationId}/channels`,
    );
    expect(list.body.channels).toEqual([
      expect.objectContaining({ id: added.body.id, accountId: `${account.id}@${new URL(sim.url).host}` }),
    ]);
  });

  it('accepts a state once, only for the person who started it', async () => {
    const ana = await signUpUser(app.url);
    const bea = await signUpUser(app.url);
    const callback = await authorize(ana.client, ana.organizationId);
    const stolen = await bea.client.get(callback);
    expect(stolen.status).toBe(400);
    expect(stolen.body).toMatchObject({ error: { code: 'mastodon.state_invalid' } });
    expect((await ana.client.get(callback)).status).toBe(303);
    const replay = await ana.client.get(callback);
    expect(replay.body).toMatchObject({ error: { code: 'mastodon.state_invalid' } });
  });

  it('says so when the person declined on the instance', async () => {
    const person = await signUpUser(app.url);
    const callback = new URL(await authorize(person.client, person.organizationId), app.url);
    callback.searchParams.delete('code');
    callback.searchParams.set('error', 'access_denied');
    const res = await person.client.get(`${callback.pathname}${callback.search}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'mastodon.authorization_denied' } });
  });

  it('takes the callback only in a browser session, never with an API token', async () => {
    const person = await signUpUser(app.url);
    const token = await person.client.post<{ token: string }>('/api/tokens', {
      name: 'script',
      scopes: ['read', 'write'],
    });
    const api = new HttpClient(app.url).withBearer(token.body.token);
    const res = await api.get('/api/connections/mastodon/callback?state=x&code=y');
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: { code: 'auth.session_required' } });
  });

  it('refuses addresses that are not http(s), and unreachable instances, with a clear error', async () => {
    const person = await signUpUser(app.url);
    const start = (instanceUrl: string) =>
      person.client.post(`/api/orgs/${person.organizationId}/channels/mastodon/authorize`, { instanceUrl });
    const ftp = await start('ftp://mastodon.example');
    expect(ftp.status).toBe(400);
    expect(ftp.body).toMatchObject({
      error: { code: 'mastodon.invalid_instance', message: expect.stringMatching(/https/) },
    });
    expect((await start('https://user:pw@mastodon.example')).body).toMatchObject({
      error: { code: 'mastodon.invalid_instance' },
    });
    const closed = await start('http://127.0.0.1:9');
    expect(closed.status).toBe(502);
    expect(closed.body).toMatchObject({ error: { code: 'mastodon.instance_unreachable' } });
  });

  it('refuses loopback and private instances unless the operator allows them (SSRF rules)', async () => {
    const person = await signUpUser(guarded.url);
    for (const instanceUrl of [
      instance(),
      instance().replace('127.0.0.1', 'localhost'),
      'http://169.254.169.254',
    ]) {
      const res = await person.client.post(`/api/orgs/${person.organizationId}/channels/mastodon/authorize`, {
        instanceUrl,
      });
      expect(res.status, instanceUrl).toBe(400);
      expect(res.body, instanceUrl).toMatchObject({ error: { code: 'mastodon.instance_blocked' } });
    }
    expect(await guarded.sql`select 1 from mastodon_apps`).toHaveLength(0);
  });

  it("answers 404 for another organization's channel and keeps the queue on disconnect", async () => {
    const owner = await signUpUser(app.url);
    const stranger = await signUpUser(app.url);
    await simAccount('cleo');
    const done = await owner.client.get(await authorize(owner.client, owner.organizationId, 'cleo'));
    const channelId = new URL(done.headers.get('location')!, app.url).searchParams.get('connected')!;
    const foreign = await stranger.client.post(
      `/api/orgs/${stranger.organizationId}/channels/mastodon/${channelId}/disconnect`,
    );
    expect(foreign.status).toBe(404);
    const queued = await owner.client.post<{ id: string }>(`/api/orgs/${owner.organizationId}/posts`, {
      text: 'later',
      channelIds: [channelId],
      schedule: { mode: 'custom', at: new Date(Date.now() + 3_600_000).toISOString() },
    });
    const off = await owner.client.post(
      `/api/orgs/${owner.organizationId}/channels/mastodon/${channelId}/disconnect`,
    );
    expect(off.body).toMatchObject({ connectionState: 'disconnected', hasCredentials: false });
    const [target] = await app.sql`select status from post_targets where post_id = ${queued.body.id}`;
    expect(target!.status).toBe('scheduled');
  });
});
