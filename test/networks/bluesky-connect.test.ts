import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelView } from '../../src/domain/channels/channel-view.ts';
import { type AtprotoNetwork, startAtprotoNetwork } from '../support/atproto-network.ts';
import { signUpUser } from '../support/http-client.ts';
import { seedTargets, targetRows } from '../support/publishing-fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

interface ErrorBody {
  error: { code: string; message: string };
}

/** Connecting Bluesky accounts through the API, against a real local PDS. */
describe('connecting a Bluesky account', () => {
  let atproto: AtprotoNetwork;
  let t: TestApp;
  let guarded: TestApp;

  beforeAll(async () => {
    [atproto, t, guarded] = await Promise.all([
      startAtprotoNetwork(),
      startTestApp({ env: { SSRF_ALLOW_PRIVATE: 'true' } }),
      startTestApp(),
    ]);
  }, 90_000);
  afterAll(async () => {
    await Promise.all([t?.close(), guarded?.close(), atproto?.stop()]);
  });

  const connect = (client: Awaited<ReturnType<typeof signUpUser>>, body: Record<string, unknown>) =>
    client.client.post<ChannelView & ErrorBody>(`/api/orgs/${client.organizationId}/channels/bluesky`, body);

  it('connects with a handle and an app password, keeping only sealed session tokens', async () => {
    const ana = await signUpUser(t.url);
    const res = await connect(ana, {
      handle: '@alice.test',
      appPassword: atproto.alice.appPassword,
      serviceUrl: atproto.pdsUrl,
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      network: 'bluesky',
      accountId: atproto.alice.did,
      handle: 'alice.test',
      serviceUrl: atproto.pdsUrl,
      connectionState: 'connected',
      hasCredentials: true,
    });
    expect(res.text).not.toContain(atproto.alice.appPassword);
    expect(res.text).not.toMatch(/eyJ/); // no JWT leaves the server

    const [row] = await t.sql<{ credentials_sealed: string }[]>`
      select credentials_sealed from channels where id = ${res.body.id}`;
    expect(row!.credentials_sealed).not.toContain(atproto.alice.appPassword);
    const credentials = JSON.parse(t.secretBox.open(row!.credentials_sealed, `channel:${res.body.id}`));
    expect(credentials).toMatchObject({
      did: atproto.alice.did,
      handle: 'alice.test',
      service: atproto.pdsUrl,
    });
    expect(credentials.accessToken).toMatch(/^eyJ/);
    expect(credentials.refreshToken).toMatch(/^eyJ/);
    expect(Date.parse(credentials.expiresAt)).toBeGreaterThan(Date.now());
    expect(JSON.stringify(credentials)).not.toContain(atproto.alice.appPassword);
  });

  it('refuses the account password: only app passwords are accepted', async () => {
    const ana = await signUpUser(t.url);
    const res = await connect(ana, {
      handle: 'alice.test',
      appPassword: atproto.alice.password,
      serviceUrl: atproto.pdsUrl,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('bluesky.app_password_required');
    expect(res.body.error.message).toMatch(/App passwords/);
    const channels = await ana.client.get<{ channels: unknown[] }>(
      `/api/orgs/${ana.organizationId}/channels`,
    );
    expect(channels.body.channels).toHaveLength(0);
  });

  it('explains a wrong app password, an unreachable server and a server that is not a PDS', async () => {
    const ana = await signUpUser(t.url);
    const wrong = await connect(ana, {
      handle: 'alice.test',
      appPassword: 'aaaa-bbbb-cccc-dddd',
      serviceUrl: atproto.pdsUrl,
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('bluesky.sign_in_failed');
    expect(wrong.body.error.message).toMatch(/Invalid identifier or password/);

    const closedPort = await freePort();
    const unreachable = await connect(ana, {
      handle: 'alice.test',
      appPassword: atproto.alice.appPassword,
      serviceUrl: `http://127.0.0.1:${closedPort}`,
    });
    expect(unreachable.status).toBe(400);
    expect(unreachable.body.error.code).toBe('bluesky.service_unreachable');

    // Spool's own API answers JSON, but not a session.
    const notPds = await connect(ana, { handle: 'alice.test', appPassword: 'x', serviceUrl: t.url });
    expect(notPds.status).toBe(400);
    expect(notPds.body.error.code).toBe('bluesky.not_a_pds');

    const notHttp = await connect(ana, {
      handle: 'alice.test',
      appPassword: 'x',
      serviceUrl: 'ftp://pds.example',
    });
    expect(notHttp.status).toBe(400);
    expect(notHttp.body.error.code).toBe('request.invalid');
  });

  it('does not connect to a PDS on a private or loopback address unless the operator allows it', async () => {
    const ana = await signUpUser(guarded.url);
    for (const serviceUrl of [atproto.pdsUrl, atproto.pdsUrl.replace('localhost', '127.0.0.1')]) {
      const res = await connect(ana, {
        handle: 'alice.test',
        appPassword: atproto.alice.appPassword,
        serviceUrl,
      });
      expect(res.status, serviceUrl).toBe(400);
      expect(res.body.error.code).toBe('bluesky.service_blocked');
      expect(res.body.error.message).toMatch(/loopback/);
    }
  });

  it('disconnects without losing the queue, and reconnects the same channel with new tokens', async () => {
    const ana = await signUpUser(t.url);
    const first = await connect(ana, {
      handle: 'alice.test',
      appPassword: atproto.alice.appPassword,
      serviceUrl: atproto.pdsUrl,
    });
    expect(first.status).toBe(201);
    const channelId = first.body.id;
    const [targetId] = await seedTargets(t.sql, ana.organizationId, ana.userId, [
      { channelId, text: 'waiting in the queue', dueAt: new Date(Date.now() + 86_400_000), status: 'queued' },
    ]);
    const sealedBefore = await sealedCredentials(channelId);

    const off = await ana.client.delete<ChannelView>(
      `/api/orgs/${ana.organizationId}/channels/${channelId}/connection`,
    );
    expect(off.status, off.text).toBe(200);
    expect(off.body).toMatchObject({ id: channelId, connectionState: 'disconnected', hasCredentials: false });
    expect(await sealedCredentials(channelId)).toBeNull();
    expect((await targetRows(t.sql, [targetId!]))[0]!.status).toBe('queued');

    const again = await connect(ana, {
      handle: 'alice.test',
      appPassword: atproto.alice.appPassword,
      serviceUrl: atproto.pdsUrl,
    });
    expect(again.status, again.text).toBe(200);
    expect(again.body).toMatchObject({ id: channelId, connectionState: 'connected', hasCredentials: true });
    expect(await sealedCredentials(channelId)).not.toBe(sealedBefore);
    expect((await targetRows(t.sql, [targetId!]))[0]!.status).toBe('queued');
    const list = await ana.client.get<{ channels: ChannelView[] }>(
      `/api/orgs/${ana.organizationId}/channels`,
    );
    expect(list.body.channels.map((c) => c.id)).toEqual([channelId]);
  });

  it("answers 404 for another organization's channel and needs the channels.manage permission", async () => {
    const ana = await signUpUser(t.url);
    const ben = await signUpUser(t.url);
    const mine = await connect(ana, {
      handle: 'bob.test',
      appPassword: atproto.bob.appPassword,
      serviceUrl: atproto.pdsUrl,
    });
    expect(mine.status).toBe(201);
    const theirs = await ben.client.delete<ErrorBody>(
      `/api/orgs/${ben.organizationId}/channels/${mine.body.id}/connection`,
    );
    expect(theirs.status).toBe(404);
    expect(theirs.body.error.code).toBe('channel.not_found');
    const crossOrg = await ben.client.delete<ErrorBody>(
      `/api/orgs/${ana.organizationId}/channels/${mine.body.id}/connection`,
    );
    expect(crossOrg.status).toBe(404);

    const token = await ana.client.post<{ token: string }>('/api/tokens', {
      name: 'read only',
      scopes: ['read'],
    });
    expect(token.status, token.text).toBe(201);
    const reader = ana.client.withBearer(token.body.token);
    const refused = await reader.post<ErrorBody>(`/api/orgs/${ana.organizationId}/channels/bluesky`, {
      handle: 'bob.test',
      appPassword: atproto.bob.appPassword,
      serviceUrl: atproto.pdsUrl,
    });
    expect(refused.status).toBe(403);
  });

  async function sealedCredentials(channelId: string): Promise<string | null> {
    const [row] = await t.sql<{ credentials_sealed: string | null }[]>`
      select credentials_sealed from channels where id = ${channelId}`;
    return row!.credentials_sealed;
  }
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
