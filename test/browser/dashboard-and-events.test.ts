import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpUser } from '../support/http-client.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * The server side of the dashboard over real HTTP: static files with the right caching, the SPA
 * fallback, and the live event stream (LISTEN/NOTIFY → SSE) scoped to one organization.
 */
describe('dashboard files and live events', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('serves index.html uncached, hashed assets immutable, and the SPA on unknown pages', async () => {
    const index = await fetch(`${app.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-type')).toContain('text/html');
    const html = await index.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();

    const script = await fetch(`${app.url}${asset}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(script.headers.get('content-type')).toContain('text/javascript');

    const again = await fetch(`${app.url}/`, { headers: { 'if-none-match': index.headers.get('etag')! } });
    expect(again.status).toBe(304);

    const deepLink = await fetch(`${app.url}/queue?channel=abc`);
    expect(deepLink.status).toBe(200);
    expect(await deepLink.text()).toBe(html);

    const manifest = await fetch(`${app.url}/manifest.webmanifest`);
    expect(manifest.headers.get('content-type')).toContain('application/manifest+json');
    expect(((await manifest.json()) as { share_target: { action: string } }).share_target.action).toBe(
      '/compose',
    );
    expect((await fetch(`${app.url}/sw.js`)).headers.get('cache-control')).toBe('no-cache');
  });

  it('answers unknown API paths, missing assets and path tricks with 404s, never HTML', async () => {
    const api = await fetch(`${app.url}/api/nothing-here`);
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('route.not_found');
    const missing = await fetch(`${app.url}/assets/old-release.js`);
    expect(missing.status).toBe(404);
    const climb = await fetch(`${app.url}/..%2f..%2fpackage.json`);
    expect(await climb.text()).not.toContain('"dependencies"');
  });

  it("streams the organization's target status changes, and only its own", async () => {
    const owner = await signUpUser(app.url);
    const stranger = await signUpUser(app.url);
    const [channel] = await app.sql<{ id: string }[]>`
      insert into channels (organization_id, network, account_id, handle)
      values (${owner.organizationId}, 'mastodon', 'acct-1', 'shop') returning id`;

    // The stranger cannot open another organization's stream.
    const refused = await stranger.client.get(`/api/orgs/${owner.organizationId}/events`);
    expect(refused.status).toBe(404);

    const controller = new AbortController();
    const response = await fetch(`${app.url}/api/orgs/${owner.organizationId}/events`, {
      headers: { cookie: `spool_session=${owner.client.cookie('spool_session')}` },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let received = '';
    const readUntil = async (needle: string) => {
      const deadline = Date.now() + 5_000;
      while (!received.includes(needle) && Date.now() < deadline) {
        const chunk = await reader.read();
        if (chunk.done) break;
        received += decoder.decode(chunk.value);
      }
      return received;
    };
    await readUntil(': connected');

    const created = await owner.client.post<{ targets: { id: string }[] }>(
      `/api/orgs/${owner.organizationId}/posts`,
      { text: 'Live!', channelIds: [channel!.id], schedule: { mode: 'draft' } },
    );
    expect(created.status).toBe(201);
    const targetId = created.body.targets[0]!.id;
    await readUntil(targetId);
    const event = received.split('\n\n').find((block) => block.includes(targetId))!;
    expect(event).toContain('event: target');
    const data = JSON.parse(
      event
        .split('\n')
        .find((line) => line.startsWith('data: '))!
        .slice(6),
    );
    expect(data).toEqual({
      org: owner.organizationId,
      target: targetId,
      post: expect.any(String),
      channel: channel!.id,
      status: 'draft',
    });

    // Another organization's change never reaches this stream.
    const [otherChannel] = await app.sql<{ id: string }[]>`
      insert into channels (organization_id, network, account_id, handle)
      values (${stranger.organizationId}, 'mastodon', 'acct-2', 'other') returning id`;
    const other = await stranger.client.post<{ targets: { id: string }[] }>(
      `/api/orgs/${stranger.organizationId}/posts`,
      { text: 'Not yours', channelIds: [otherChannel!.id], schedule: { mode: 'draft' } },
    );
    // Events arrive in commit order: once the owner's later post is seen, the stranger's is past.
    const second = await owner.client.post<{ targets: { id: string }[] }>(
      `/api/orgs/${owner.organizationId}/posts`,
      {
        text: 'Second',
        channelIds: [channel!.id],
        schedule: { mode: 'draft' },
      },
    );
    await readUntil(second.body.targets[0]!.id);
    expect(received).toContain(second.body.targets[0]!.id);
    expect(received).not.toContain(other.body.targets[0]!.id);
    controller.abort();
  });
});
