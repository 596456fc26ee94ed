import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../sim/server.ts';
import { createLogger } from '../../src/logger.ts';
import { BufferedPublishEvents } from '../../src/publisher/publish-events.ts';
import type { Publisher } from '../../src/publisher/publisher.ts';
import { createPublisher } from '../../src/publisher/start-publisher.ts';
import { signUpUser } from '../support/http-client.ts';
import { waitFor } from '../support/publishing-fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/** A channel's own network settings travel from the composer's API to the network. */
describe('per-network options from the posts API', () => {
  let t: TestApp;
  let sim: Simulator;
  let publisher: Publisher;

  beforeAll(async () => {
    t = await startTestApp({ env: { SSRF_ALLOW_PRIVATE: 'true' } });
    sim = await startSimulator();
    const log = createLogger('silent');
    publisher = createPublisher({
      config: t.config,
      sql: t.sql,
      secretBox: t.secretBox,
      log,
      registry: new Registry(),
      events: new BufferedPublishEvents([], log),
    });
    await publisher.start();
  });
  afterAll(async () => {
    await publisher?.stop(2_000);
    await sim?.close();
    await t?.close();
  });

  it('publishes a Mastodon post with the visibility and content warning chosen for that channel', async () => {
    const person = await signUpUser(t.url);
    const res = await fetch(`${sim.url}/_sim/accounts`, {
      method: 'POST',
      body: JSON.stringify({ network: 'mastodon' }),
    });
    const acct = (await res.json()) as { id: string; username: string; accessToken: string };
    const channel = await person.client.post<{ id: string }>(`/api/orgs/${person.organizationId}/channels`, {
      network: 'mastodon',
      accountId: acct.id,
      handle: acct.username,
      serviceUrl: `${sim.url}/mastodon`,
      credentials: { accessToken: acct.accessToken },
    });
    expect(channel.status).toBe(201);

    const bad = await person.client.post(`/api/orgs/${person.organizationId}/posts`, {
      text: 'Quiet news',
      channelIds: [channel.body.id],
      overrides: [{ channelId: channel.body.id, mastodon: { visibility: 'everyone' } }],
      schedule: { mode: 'now' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'request.invalid' } });

    const created = await person.client.post(`/api/orgs/${person.organizationId}/posts`, {
      text: 'Quiet news',
      channelIds: [channel.body.id],
      overrides: [
        { channelId: channel.body.id, mastodon: { visibility: 'unlisted', contentWarning: 'spoilers' } },
      ],
      schedule: { mode: 'now' },
    });
    expect(created.status, created.text).toBe(201);
    const [post] = await waitFor(async () => {
      const posts = sim.state.listPosts({ accountId: acct.id });
      return posts.length > 0 ? posts : undefined;
    });
    expect(post!.text).toBe('Quiet news');
    expect(post!.visibility).toBe('unlisted');
  });
});
