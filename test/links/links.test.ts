import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../src/db/connection.ts';
import { prepareLinks, prepareLinksForChannel } from '../../src/domain/links/prepare-links.ts';
import { HttpClient, signUpUser } from '../support/http-client.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

async function makeChannel(sql: Sql, organizationId: string, network = 'mastodon'): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    insert into channels (organization_id, network, account_id, handle)
    values (${organizationId}, ${network}, ${`acct-${Math.random()}`}, '@spool') returning id`;
  return row!.id;
}

async function makePost(sql: Sql, organizationId: string, text = 'hello'): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    insert into posts (organization_id, text) values (${organizationId}, ${text}) returning id`;
  return row!.id;
}

describe('short links, UTM and link previews over HTTP', () => {
  let t: TestApp;
  let strict: TestApp;
  let site: http.Server;
  let siteUrl: string;
  let pageHits = 0;

  beforeAll(async () => {
    [t, strict] = await Promise.all([startTestApp({ env: { SSRF_ALLOW_PRIVATE: 'true' } }), startTestApp()]);
    site = http.createServer((req, res) => {
      if (req.url === '/article') {
        pageHits++;
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return res.end(`<html><head><title>Fallback</title>
          <meta property="og:title" content="Spring at the bakery">
          <meta property="og:description" content="Fresh bread, every morning.">
          <meta property="og:image" content="/images/bread.jpg"></head><body>…</body></html>`);
      }
      if (req.url === '/moved') return res.writeHead(301, { location: '/article' }).end();
      if (req.url === '/loop') return res.writeHead(302, { location: '/loop' }).end();
      if (req.url === '/broken') return res.writeHead(500).end('oops');
      if (req.url === '/hang-up') return req.socket.destroy();
      if (req.url === '/huge') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.write('<title>Big page</title>');
        return res.end(Buffer.alloc(3 * 1024 * 1024, ' '));
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    site.closeAllConnections();
    await new Promise((resolve) => site.close(resolve));
    await Promise.all([t.close(), strict.close()]);
  });

  it('redirects /s/{code} with 302, counts GET clicks per day, not HEAD, and stores nothing about visitors', async () => {
    const { client, organizationId } = await signUpUser(t.url);
    const created = await client.post<{ code: string; shortUrl: string; id: string }>(
      `/api/orgs/${organizationId}/short-links`,
      { url: 'https://example.com/menu?day=mon#lunch' },
    );
    expect(created.status).toBe(201);
    expect(created.body.code).toMatch(/^[0-9A-Za-z]{7,}$/);
    expect(created.body.shortUrl).toBe(`${t.url}/s/${created.body.code}`);

    const visitor = new HttpClient(t.url);
    for (let i = 0; i < 3; i++) {
      const res = await visitor.get(`/s/${created.body.code}`);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('https://example.com/menu?day=mon#lunch');
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
    const head = await visitor.request('HEAD', `/s/${created.body.code}`);
    expect(head.status).toBe(302);

    const list = await client.get<{ links: { code: string; clicks: number }[] }>(
      `/api/orgs/${organizationId}/short-links`,
    );
    expect(list.body.links).toEqual([expect.objectContaining({ code: created.body.code, clicks: 3 })]);
    const days = await client.get<{ days: { day: string; clicks: number }[] }>(
      `/api/orgs/${organizationId}/short-links/${created.body.id}/clicks`,
    );
    expect(days.body.days).toEqual([{ day: expect.stringMatching(/^\d{4}-\d\d-\d\d$/), clicks: 3 }]);
    const [columns] = await t.sql<{ n: string }[]>`
      select count(*) as n from information_schema.columns
      where table_name in ('short_links', 'short_link_clicks') and column_name ~ '(ip|agent|referr)'`;
    expect(Number(columns!.n)).toBe(0);
  });

  it('answers 404 for unknown or malformed codes, and refuses non-web destinations', async () => {
    const visitor = new HttpClient(t.url);
    expect((await visitor.get('/s/ZZZZZZZZ')).status).toBe(404);
    expect((await visitor.get('/s/..%2F..%2Fetc')).status).toBe(404);
    const { client, organizationId } = await signUpUser(t.url);
    const bad = await client.post(`/api/orgs/${organizationId}/short-links`, { url: 'javascript:alert(1)' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'link.invalid_url' } });
  });

  it('keeps short links, their stats and channels to their organization', async () => {
    const ana = await signUpUser(t.url);
    const bob = await signUpUser(t.url);
    const anaChannel = await makeChannel(t.sql, ana.organizationId);
    const link = await ana.client.post<{ id: string }>(`/api/orgs/${ana.organizationId}/short-links`, {
      url: 'https://example.com/',
    });
    expect((await bob.client.get(`/api/orgs/${ana.organizationId}/short-links`)).status).toBe(404);
    expect(
      (await bob.client.get(`/api/orgs/${bob.organizationId}/short-links/${link.body.id}/clicks`)).status,
    ).toBe(404);
    const foreignChannel = await bob.client.post(`/api/orgs/${bob.organizationId}/short-links`, {
      url: 'https://example.com/',
      channelId: anaChannel,
    });
    expect(foreignChannel.status).toBe(404);
    expect(
      (await bob.client.get(`/api/orgs/${bob.organizationId}/channels/${anaChannel}/link-settings`)).status,
    ).toBe(404);
  });

  it('prepares a target’s text: UTM per channel, then one short link per (post, channel, url)', async () => {
    const { client, organizationId } = await signUpUser(t.url);
    const channelId = await makeChannel(t.sql, organizationId, 'bluesky');
    const postId = await makePost(t.sql, organizationId);
    const settings = await client.put(`/api/orgs/${organizationId}/channels/${channelId}/link-settings`, {
      shortenLinks: true,
      utmEnabled: true,
      utmCampaign: 'spring',
    });
    expect(settings.body).toEqual({ channelId, shortenLinks: true, utmEnabled: true, utmCampaign: 'spring' });

    const text = 'New menu 🥐 https://example.com/menu?lang=en#today (and https://example.com/about).';
    const target = { channel: { id: channelId, network: 'bluesky' }, post: { id: postId, organizationId } };
    const first = await prepareLinksForChannel(t.sql, text, target, t.url);
    const again = await prepareLinksForChannel(t.sql, text, target, t.url);
    expect(again.text).toBe(first.text);
    const codes = [...first.text.matchAll(/\/s\/([0-9A-Za-z]+)/g)].map((m) => m[1]!);
    expect(codes).toHaveLength(2);
    expect(first.text).toBe(`New menu 🥐 ${t.url}/s/${codes[0]} (and ${t.url}/s/${codes[1]}).`);

    const res = await new HttpClient(t.url).get(`/s/${codes[0]}`);
    expect(res.headers.get('location')).toBe(
      'https://example.com/menu?lang=en&utm_source=bluesky&utm_medium=social&utm_campaign=spring#today',
    );
    const list = await client.get<{ links: { postId: string; channelId: string; clicks: number }[] }>(
      `/api/orgs/${organizationId}/short-links?postId=${postId}&channelId=${channelId}`,
    );
    expect(list.body.links).toHaveLength(2);
    expect(list.body.links.map((l) => l.clicks).sort()).toEqual([0, 1]);

    // Another channel of the same post gets its own links (clicks are counted per channel).
    const other = await makeChannel(t.sql, organizationId, 'mastodon');
    const onOther = await prepareLinks(t.sql, text, {
      shorten: true,
      utm: false,
      channel: { id: other, network: 'mastodon' },
      post: { id: postId, organizationId },
      shortLinkBaseUrl: t.url,
    });
    expect(onOther.text).not.toContain(codes[0]);
    // Spool's own short links are never shortened again.
    const own = await prepareLinks(t.sql, `see ${t.url}/s/${codes[0]}`, {
      shorten: true,
      utm: { campaign: 'x' },
      channel: { id: other, network: 'mastodon' },
      post: { id: postId, organizationId },
      shortLinkBaseUrl: t.url,
    });
    expect(own.text).toBe(`see ${t.url}/s/${codes[0]}`);
  });

  it('leaves links alone when the channel has not turned anything on', async () => {
    const { organizationId } = await signUpUser(t.url);
    const channelId = await makeChannel(t.sql, organizationId);
    const postId = await makePost(t.sql, organizationId);
    const text = 'https://example.com/a';
    const prepared = await prepareLinksForChannel(
      t.sql,
      text,
      { channel: { id: channelId, network: 'mastodon' }, post: { id: postId, organizationId } },
      t.url,
    );
    expect(prepared).toEqual({ text, links: [] });
  });

  it('previews a page (Open Graph), following redirects, and reuses the result for a day', async () => {
    const { client, organizationId } = await signUpUser(t.url);
    const hitsBefore = pageHits;
    const url = `${siteUrl}/moved`;
    const res = await client.get(`/api/orgs/${organizationId}/link-preview?url=${encodeURIComponent(url)}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      url: `${url}`,
      finalUrl: `${siteUrl}/article`,
      title: 'Spring at the bakery',
      description: 'Fresh bread, every morning.',
      image: `${siteUrl}/images/bread.jpg`,
    });
    await client.get(`/api/orgs/${organizationId}/link-preview?url=${encodeURIComponent(url)}`);
    expect(pageHits).toBe(hitsBefore + 1);

    await t.sql`update link_previews set fetched_at = now() - interval '25 hours'`;
    await client.get(`/api/orgs/${organizationId}/link-preview?url=${encodeURIComponent(url)}`);
    expect(pageHits).toBe(hitsBefore + 2);
  });

  it('reads at most 1 MB of a page and explains pages it cannot preview', async () => {
    const { client, organizationId } = await signUpUser(t.url);
    const preview = (url: string) =>
      client.get(`/api/orgs/${organizationId}/link-preview?url=${encodeURIComponent(url)}`);
    const huge = await preview(`${siteUrl}/huge`);
    expect(huge.status).toBe(200);
    expect(huge.body).toMatchObject({ title: 'Big page' });
    const notWeb = await preview('file:///etc/passwd');
    expect(notWeb.status).toBe(400);
    expect(notWeb.body).toMatchObject({ error: { code: 'fetch.invalid_url' } });
  });

  it('answers 502 when the other site fails, saying how, and caches no failure', async () => {
    const { client, organizationId } = await signUpUser(t.url);
    const preview = (url: string) =>
      client.get<{ error: { code: string; message: string; details: Record<string, unknown> } }>(
        `/api/orgs/${organizationId}/link-preview?url=${encodeURIComponent(url)}`,
      );
    const host = new URL(siteUrl).host;
    for (const [path, status] of [
      ['/nothing', 404],
      ['/broken', 500],
    ] as const) {
      const res = await preview(`${siteUrl}${path}`);
      expect(res.status).toBe(502);
      expect(res.body.error).toMatchObject({
        code: 'link_preview.upstream_failed',
        details: { status, host },
      });
      expect(res.body.error.message).toContain(`answered ${status}`);
    }
    for (const [path, reason] of [
      ['/hang-up', 'fetch.failed'],
      ['/loop', 'fetch.too_many_redirects'],
    ] as const) {
      const res = await preview(`${siteUrl}${path}`);
      expect(res.status).toBe(502);
      expect(res.body.error).toMatchObject({
        code: 'link_preview.upstream_failed',
        details: { reason, host },
      });
    }
    const [count] = await t.sql<{ n: string }[]>`
      select count(*) as n from link_previews where organization_id = ${organizationId}`;
    expect(Number(count!.n)).toBe(0);

    // A host that does not exist is the link's fault, not a failing site: 400.
    const unknownHost = await preview('http://no-such-host.invalid/');
    expect(unknownHost.status).toBe(400);
    expect(unknownHost.body.error.code).toBe('fetch.host_not_found');
  });

  it('refuses to preview a loopback address unless the operator allows private addresses', async () => {
    const { client, organizationId } = await signUpUser(strict.url);
    for (const url of [`${siteUrl}/article`, 'http://169.254.169.254/latest/meta-data/', 'http://[::1]/']) {
      const res = await client.get<{ error: { code: string; message: string } }>(
        `/api/orgs/${organizationId}/link-preview?url=${encodeURIComponent(url)}`,
      );
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('fetch.blocked_address');
    }
  });
});
