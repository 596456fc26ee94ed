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

const PUBLIC_URL = 'https://spool.example.com';

/** A channel's link settings (UTM tags, short links) are applied when its posts are published. */
describe('link settings at publish time', () => {
  let t: TestApp;
  let sim: Simulator;
  let publisher: Publisher;

  beforeAll(async () => {
    t = await startTestApp({ env: { SSRF_ALLOW_PRIVATE: 'true', PUBLIC_URL } });
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

  async function mastodonChannel(person: Awaited<ReturnType<typeof signUpUser>>) {
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
    return { channelId: channel.body.id, accountId: acct.id };
  }

  const published = (accountId: string, count: number) =>
    waitFor(async () => {
      const posts = sim.state.listPosts({ accountId });
      return posts.length >= count ? posts : undefined;
    });

  it('tags links with UTM parameters and shortens them for the channels that ask, and only those', async () => {
    const person = await signUpUser(t.url);
    const tagged = await mastodonChannel(person);
    const plain = await mastodonChannel(person);
    const settings = await person.client.put(
      `/api/orgs/${person.organizationId}/channels/${tagged.channelId}/link-settings`,
      { utmEnabled: true, utmCampaign: 'spring-menu', shortenLinks: true },
    );
    expect(settings.status, settings.text).toBe(200);

    const created = await person.client.post(`/api/orgs/${person.organizationId}/posts`, {
      text: 'New menu: https://bistro.example/menu?lang=en.',
      thread: [{ text: 'And the wine list https://bistro.example/wine' }],
      channelIds: [tagged.channelId, plain.channelId],
      schedule: { mode: 'now' },
    });
    expect(created.status, created.text).toBe(201);

    const [untouched, untouchedReply] = await published(plain.accountId, 2);
    expect(untouched!.text).toBe('New menu: https://bistro.example/menu?lang=en.');
    expect(untouchedReply!.text).toBe('And the wine list https://bistro.example/wine');

    const posts = await published(tagged.accountId, 2);
    const shortLink = new RegExp(`^New menu: ${PUBLIC_URL}/s/([A-Za-z0-9_-]+)\\.$`);
    expect(posts[0]!.text).toMatch(shortLink);
    expect(posts[1]!.text).toMatch(new RegExp(`^And the wine list ${PUBLIC_URL}/s/[A-Za-z0-9_-]+$`));
    // The short link leads to the tagged address.
    const code = shortLink.exec(posts[0]!.text)![1]!;
    const visit = await fetch(`${t.url}/s/${code}`, { redirect: 'manual' });
    expect(visit.status).toBe(302);
    const target = new URL(visit.headers.get('location')!);
    expect(target.origin + target.pathname).toBe('https://bistro.example/menu');
    expect(Object.fromEntries(target.searchParams)).toEqual({
      lang: 'en',
      utm_source: 'mastodon',
      utm_medium: 'social',
      utm_campaign: 'spring-menu',
    });
  });

  it('adds UTM parameters without shortening when Spool has no public address', async () => {
    const local = await startTestApp({ env: { SSRF_ALLOW_PRIVATE: 'true' } });
    const log = createLogger('silent');
    const localPublisher = createPublisher({
      config: local.config,
      sql: local.sql,
      secretBox: local.secretBox,
      log,
      registry: new Registry(),
      events: new BufferedPublishEvents([], log),
    });
    await localPublisher.start();
    try {
      const person = await signUpUser(local.url);
      const res = await fetch(`${sim.url}/_sim/accounts`, {
        method: 'POST',
        body: JSON.stringify({ network: 'mastodon' }),
      });
      const acct = (await res.json()) as { id: string; username: string; accessToken: string };
      const channel = await person.client.post<{ id: string }>(
        `/api/orgs/${person.organizationId}/channels`,
        {
          network: 'mastodon',
          accountId: acct.id,
          handle: acct.username,
          serviceUrl: `${sim.url}/mastodon`,
          credentials: { accessToken: acct.accessToken },
        },
      );
      await person.client.put(
        `/api/orgs/${person.organizationId}/channels/${channel.body.id}/link-settings`,
        {
          utmEnabled: true,
          shortenLinks: true,
        },
      );
      await person.client.post(`/api/orgs/${person.organizationId}/posts`, {
        text: 'Read https://bistro.example/news',
        channelIds: [channel.body.id],
        schedule: { mode: 'now' },
      });
      const [post] = await published(acct.id, 1);
      expect(post!.text).toBe(
        'Read https://bistro.example/news?utm_source=mastodon&utm_medium=social&utm_campaign=spool',
      );
    } finally {
      await localPublisher.stop(2_000);
      await local.close();
    }
  });
});
