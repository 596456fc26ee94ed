import http from 'node:http';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelView } from '../../src/domain/channels/channel-view.ts';
import { createLogger } from '../../src/logger.ts';
import { recordKeyFor } from '../../src/networks/bluesky/tid.ts';
import { BufferedPublishEvents, NotificationSink } from '../../src/publisher/publish-events.ts';
import type { Publisher } from '../../src/publisher/publisher.ts';
import { createPublisher } from '../../src/publisher/start-publisher.ts';
import {
  type AtprotoNetwork,
  makePng,
  type PdsProxy,
  startAtprotoNetwork,
  startPdsProxy,
} from '../support/atproto-network.ts';
import type { HttpClient } from '../support/http-client.ts';
import { signUpUser } from '../support/http-client.ts';
import { waitFor } from '../support/publishing-fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

interface PostRecord {
  text: string;
  createdAt: string;
  langs?: string[];
  facets?: { index: { byteStart: number; byteEnd: number }; features: Record<string, string>[] }[];
  reply?: { root: { uri: string; cid: string }; parent: { uri: string; cid: string } };
  embed?: { $type: string; [field: string]: unknown };
}

/**
 * Publishing to Bluesky through the real publisher and the real API, against a real local PDS:
 * posts are read back from the PDS, never from Spool.
 */
describe('publishing to Bluesky', () => {
  let atproto: AtprotoNetwork;
  let t: TestApp;
  let proxy: PdsProxy;
  let site: Awaited<ReturnType<typeof startArticleSite>>;
  let publisher: Publisher;
  let events: BufferedPublishEvents;
  let ana: { client: HttpClient; organizationId: string; userId: string };
  let channel: ChannelView;

  beforeAll(async () => {
    [atproto, t, site] = await Promise.all([
      startAtprotoNetwork(),
      startTestApp({
        env: { SSRF_ALLOW_PRIVATE: 'true', PUBLISH_RETRY_BASE_MS: '50', PUBLISH_REQUEST_TIMEOUT_MS: '5000' },
      }),
      startArticleSite(),
    ]);
    proxy = await startPdsProxy(atproto.pdsUrl);
    const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
    events = new BufferedPublishEvents([new NotificationSink(t.sql)], log, 20);
    publisher = createPublisher({
      config: t.config,
      sql: t.sql,
      secretBox: t.secretBox,
      log,
      registry: new Registry(),
      events,
    });
    await publisher.start();
    ana = await signUpUser(t.url);
    const res = await ana.client.post<ChannelView>(`/api/orgs/${ana.organizationId}/channels/bluesky`, {
      handle: 'alice.test',
      appPassword: atproto.alice.appPassword,
      serviceUrl: atproto.pdsUrl,
    });
    expect(res.status, res.text).toBe(201);
    channel = res.body;
  }, 90_000);
  afterAll(async () => {
    await publisher?.stop(2_000);
    await events?.flush();
    await Promise.all([t?.close(), proxy?.close(), site?.close(), atproto?.stop()]);
  });

  /** Writes a post for alice's channel through the API, to be shared now; returns its target. */
  async function shareNow(content: Record<string, unknown>): Promise<string> {
    const res = await ana.client.post<{ targets: { id: string }[] }>(
      `/api/orgs/${ana.organizationId}/posts`,
      {
        ...content,
        channelIds: [channel.id],
        schedule: { mode: 'now' },
      },
    );
    expect(res.status, res.text).toBe(201);
    return res.body.targets[0]!.id;
  }

  async function settled(targetId: string) {
    return waitFor(async () => {
      const [row] = await t.sql<
        {
          status: string;
          network_post_id: string | null;
          network_post_url: string | null;
          last_error: string | null;
          attempts: number;
        }[]
      >`select status, network_post_id, network_post_url, last_error, attempts from post_targets where id = ${targetId}`;
      return row && ['published', 'failed', 'unconfirmed'].includes(row.status) ? row : undefined;
    }, 20_000);
  }

  async function record(uri: string): Promise<{ uri: string; cid: string; value: PostRecord }> {
    const [, repo, collection, rkey] = /^at:\/\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(uri)!;
    const res = await fetch(
      `${atproto.pdsUrl}/xrpc/com.atproto.repo.getRecord?${new URLSearchParams({ repo: repo!, collection: collection!, rkey: rkey! })}`,
    );
    expect(res.status, uri).toBe(200);
    return (await res.json()) as { uri: string; cid: string; value: PostRecord };
  }

  async function alicePosts(): Promise<{ uri: string; value: PostRecord }[]> {
    const res = await fetch(
      `${atproto.pdsUrl}/xrpc/com.atproto.repo.listRecords?repo=${atproto.alice.did}&collection=app.bsky.feed.post&limit=100`,
    );
    return ((await res.json()) as { records: { uri: string; value: PostRecord }[] }).records;
  }

  /** The text a facet covers, cut by its UTF-8 byte offsets as Bluesky's apps do. */
  const facetText = (text: string, facet: { index: { byteStart: number; byteEnd: number } }) =>
    Buffer.from(text, 'utf8').subarray(facet.index.byteStart, facet.index.byteEnd).toString('utf8');

  it('publishes a post with a link, a mention resolved to a DID and a hashtag, at the right byte offsets', async () => {
    const text = `Grüße 🎉👩🏽‍💻 @bob.test, read ${site.url}/article #spool and ask @nobody.test`;
    const targetId = await shareNow({ text });
    const row = await settled(targetId);
    expect(row.status, row.last_error ?? '').toBe('published');
    expect(row.network_post_id).toBe(
      `at://${atproto.alice.did}/app.bsky.feed.post/${recordKeyFor(targetId, 0)}`,
    );
    expect(row.network_post_url).toBe(
      `https://bsky.app/profile/${atproto.alice.did}/post/${recordKeyFor(targetId, 0)}`,
    );

    const { value } = await record(row.network_post_id!);
    expect(value.text).toBe(text);
    const facets = (value.facets ?? []).map((f) => ({
      covers: facetText(value.text, f),
      feature: f.features[0]!,
    }));
    expect(facets).toEqual([
      { covers: '@bob.test', feature: { $type: 'app.bsky.richtext.facet#mention', did: atproto.bob.did } },
      {
        covers: `${site.url}/article`,
        feature: { $type: 'app.bsky.richtext.facet#link', uri: `${site.url}/article` },
      },
      { covers: '#spool', feature: { $type: 'app.bsky.richtext.facet#tag', tag: 'spool' } },
    ]); // @nobody.test does not resolve: it stays plain text

    // No images, one link: a link card with the page's title, description and picture.
    expect(value.embed).toMatchObject({
      $type: 'app.bsky.embed.external',
      external: {
        uri: `${site.url}/article`,
        title: 'Spool ships Bluesky',
        description: 'Posts, threads and cards.',
      },
    });
    const thumb = (
      value.embed as unknown as { external: { thumb: { ref: { $link: string }; mimeType: string } } }
    ).external.thumb;
    expect(thumb.mimeType).toBe('image/png');
    expect(await blob(thumb.ref.$link)).toEqual(site.cover);
  });

  it('publishes images with their alt text and aspect ratio', async () => {
    const png = makePng(3, 2);
    const upload = await fetch(
      `${t.url}/api/orgs/${ana.organizationId}/media?altText=${encodeURIComponent('Library text')}`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/octet-stream',
          cookie: `spool_session=${ana.client.cookie('spool_session')}`,
          'x-csrf-token': ana.client.csrfToken ?? '',
          origin: new URL(t.url).origin,
        },
        body: png,
      },
    );
    expect(upload.status, await upload.clone().text()).toBe(201);
    const media = (await upload.json()) as { id: string };
    const targetId = await shareNow({
      text: 'Two pictures',
      media: [{ mediaId: media.id, altText: 'A grey rectangle, wider than tall' }, { mediaId: media.id }],
    });
    const row = await settled(targetId);
    expect(row.status, row.last_error ?? '').toBe('published');
    const { value } = await record(row.network_post_id!);
    const embed = value.embed as unknown as {
      $type: string;
      images: { alt: string; aspectRatio: unknown; image: { ref: { $link: string } } }[];
    };
    expect(embed.$type).toBe('app.bsky.embed.images');
    expect(embed.images.map((i) => i.alt)).toEqual(['A grey rectangle, wider than tall', 'Library text']);
    expect(embed.images[0]!.aspectRatio).toEqual({ width: 3, height: 2 });
    expect(await blob(embed.images[0]!.image.ref.$link)).toEqual(png);
  });

  it('publishes a thread as a reply chain, in order, each part under its own derived key', async () => {
    const targetId = await shareNow({
      text: 'Thread 1/3',
      thread: [{ text: 'Thread 2/3' }, { text: 'Thread 3/3' }],
    });
    const row = await settled(targetId);
    expect(row.status, row.last_error ?? '').toBe('published');
    const parts = await Promise.all(
      [0, 1, 2].map((i) =>
        record(`at://${atproto.alice.did}/app.bsky.feed.post/${recordKeyFor(targetId, i)}`),
      ),
    );
    expect(parts.map((p) => p.value.text)).toEqual(['Thread 1/3', 'Thread 2/3', 'Thread 3/3']);
    expect(parts[0]!.uri).toBe(row.network_post_id);
    expect(parts[0]!.value.reply).toBeUndefined();
    const ref = (p: (typeof parts)[number]) => ({ uri: p.uri, cid: p.cid });
    expect(parts[1]!.value.reply).toEqual({ root: ref(parts[0]!), parent: ref(parts[0]!) });
    expect(parts[2]!.value.reply).toEqual({ root: ref(parts[0]!), parent: ref(parts[1]!) });
    const times = parts.map((p) => Date.parse(p.value.createdAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('retries after a lost answer without publishing twice', async () => {
    await t.sql`update channels set service_url = ${proxy.url} where id = ${channel.id}`;
    let dropped = 0;
    proxy.setRule((nsid) => {
      // The PDS writes the first record, and the answer never arrives: a timeout after sending.
      if (nsid === 'com.atproto.repo.putRecord' && dropped === 0) {
        dropped++;
        return { kind: 'drop_after_forward' };
      }
      return { kind: 'pass' };
    });
    try {
      const before = proxy.seen.length;
      const text = `Exactly once ${Date.now()}`;
      const targetId = await shareNow({ text });
      const row = await settled(targetId);
      expect(row.status, row.last_error ?? '').toBe('published');
      expect(row.attempts).toBe(2);
      expect(proxy.seen.slice(before).filter((s) => s.endsWith('putRecord'))).toHaveLength(2);
      const copies = (await alicePosts()).filter((p) => p.value.text === text);
      expect(copies.map((p) => p.uri)).toEqual([row.network_post_id]);
    } finally {
      proxy.setRule(() => ({ kind: 'pass' }));
      await t.sql`update channels set service_url = ${atproto.pdsUrl} where id = ${channel.id}`;
    }
  });

  it('refreshes an expired session and stores the new tokens', async () => {
    const [row] = await t.sql<
      { credentials_sealed: string }[]
    >`select credentials_sealed from channels where id = ${channel.id}`;
    const context = `channel:${channel.id}`;
    const credentials = JSON.parse(t.secretBox.open(row!.credentials_sealed, context));
    const stale = { ...credentials, accessToken: `${credentials.accessToken}x` }; // refused as InvalidToken
    await t.sql`update channels set credentials_sealed = ${t.secretBox.seal(JSON.stringify(stale), context)} where id = ${channel.id}`;

    const targetId = await shareNow({ text: 'After a refresh' });
    const published = await settled(targetId);
    expect(published.status, published.last_error ?? '').toBe('published');
    const [after] = await t.sql<{ credentials_sealed: string; connection_state: string }[]>`
      select credentials_sealed, connection_state from channels where id = ${channel.id}`;
    expect(after!.connection_state).toBe('connected');
    const refreshed = JSON.parse(t.secretBox.open(after!.credentials_sealed, context));
    expect(refreshed.accessToken).not.toBe(stale.accessToken);
    expect(refreshed.refreshToken).not.toBe(credentials.refreshToken);
    expect(refreshed).toMatchObject({ did: atproto.alice.did, service: atproto.pdsUrl });
  });

  async function blob(cid: string): Promise<Buffer> {
    const res = await fetch(
      `${atproto.pdsUrl}/xrpc/com.atproto.sync.getBlob?did=${atproto.alice.did}&cid=${cid}`,
    );
    expect(res.status).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  }
});

/** Serves /article (a page with Open Graph tags) and /cover.png for link cards. */
async function startArticleSite(): Promise<{ url: string; cover: Buffer; close(): Promise<void> }> {
  const cover = makePng(4, 3);
  let url = '';
  const server = http.createServer((req, res) => {
    if (req.url === '/cover.png') {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(cover);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<html><head><title>fallback</title><meta property="og:title" content="Spool ships Bluesky">` +
        `<meta property="og:description" content="Posts, threads and cards."><meta property="og:image" content="${url}/cover.png"></head></html>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    cover,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
