import { Registry } from 'prom-client';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MastodonNotificationFollower } from '../../src/engagement/mastodon-notifications.ts';
import { createLogger } from '../../src/logger.ts';
import { describeAdapterContract } from '../../src/networks/contract/contract-suite.ts';
import { MastodonNetwork } from '../../src/networks/mastodon/mastodon.ts';
import type { PublishContext } from '../../src/ports/social-network.ts';
import { BufferedPublishEvents } from '../../src/publisher/publish-events.ts';
import type { Publisher } from '../../src/publisher/publisher.ts';
import { createPublisher } from '../../src/publisher/start-publisher.ts';
import { type HttpClient, signUpUser } from '../support/http-client.ts';
import { waitFor } from '../support/publishing-fixtures.ts';
import { type SnacServer, type SnacUser, startSnacServer } from '../support/snac-server.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * Mastodon against a real server: snac2 (Debian bookworm-backports). Spool registers its app on
 * the instance, a person signs in on snac's own page, the channel is connected through Spool's API,
 * and the publisher, the adapter and the notification follower talk to snac over HTTP.
 * snac2 has no streaming API, ignores Idempotency-Key and (before 2.84) cannot delete through its
 * API: those are covered against the simulator (mastodon.test.ts, mastodon-streaming.test.ts).
 */

let snac: SnacServer;
let app: TestApp;
let person: Awaited<ReturnType<typeof signUpUser>>;
const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

beforeAll(async () => {
  snac = await startSnacServer({ users: ['alice', 'bob'] });
  app = await startTestApp({ env: { SSRF_ALLOW_PRIVATE: 'true' } });
  person = await signUpUser(app.url);
}, 60_000);
afterAll(async () => {
  await app?.close();
  await snac?.stop();
});

const orgPath = () => `/api/orgs/${person.organizationId}`;

/** The whole connection flow as a person does it: Spool's API, snac's login page, the callback. */
async function connect(
  client: HttpClient,
  user: SnacUser,
): Promise<{ channelId: string; authorizeUrl: URL }> {
  const started = await client.post<{ authorizeUrl: string }>(`${orgPath()}/channels/mastodon/authorize`, {
    instanceUrl: snac.url,
  });
  expect(started.status, started.text).toBe(200);
  const authorizeUrl = new URL(started.body.authorizeUrl);
  const callback = new URL(await snac.approveInBrowser(authorizeUrl.toString(), user));
  expect(callback.origin).toBe(new URL(app.url).origin);
  const done = await client.get(`${callback.pathname}${callback.search}`);
  expect(done.status, done.text).toBe(303);
  const location = new URL(done.headers.get('location')!, app.url);
  expect(location.pathname).toBe('/channels');
  return { channelId: location.searchParams.get('connected')!, authorizeUrl };
}

/** The channel's credentials as the publisher would open them. */
async function contextOf(channelId: string): Promise<PublishContext> {
  const [row] = await app.sql<
    { account_id: string; handle: string; service_url: string; credentials_sealed: string }[]
  >`
    select account_id, handle, service_url, credentials_sealed from channels where id = ${channelId}`;
  return {
    channel: { id: channelId, accountId: row!.account_id, handle: row!.handle, serviceUrl: row!.service_url },
    credentials: JSON.parse(app.secretBox.open(row!.credentials_sealed, `channel:${channelId}`)),
  };
}

async function snacApi<T>(token: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${snac.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface SnacStatus {
  id: string;
  content: string;
  in_reply_to_id: string | null;
  spoiler_text: string;
  visibility: string;
  language: string | null;
  url: string;
  media_attachments: { id: string; description: string | null; url: string }[];
}

describe('Mastodon against a real snac2 server', () => {
  let aliceChannel: string;

  it('registers Spool once on the instance and connects an account through OAuth with PKCE', async () => {
    const { channelId, authorizeUrl } = await connect(person.client, snac.users.get('alice')!);
    aliceChannel = channelId;
    expect(authorizeUrl.origin).toBe(snac.url);
    expect(authorizeUrl.pathname).toBe('/oauth/authorize');
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizeUrl.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorizeUrl.searchParams.get('redirect_uri')).toBe(
      `${app.url}/api/connections/mastodon/callback`,
    );

    const channel = await person.client.get(`${orgPath()}/channels/${channelId}`);
    const host = new URL(snac.url).host;
    expect(channel.body).toMatchObject({
      network: 'mastodon',
      handle: `alice@${host}`,
      serviceUrl: snac.url,
      connectionState: 'connected',
      hasCredentials: true,
    });
    expect(JSON.stringify(channel.body)).not.toMatch(/accessToken|clientSecret/);

    const apps = await app.sql<{ client_id: string; client_secret_sealed: string }[]>`
      select client_id, client_secret_sealed from mastodon_apps where instance_url = ${snac.url}`;
    expect(apps).toHaveLength(1);
    expect(apps[0]!.client_secret_sealed).toMatch(/^v1\./);
    // The token snac issued works: the sealed credentials open to a usable access token.
    const ctx = await contextOf(channelId);
    const me = await snacApi<{ username: string }>(
      ctx.credentials.accessToken,
      'GET',
      '/api/v1/accounts/verify_credentials',
    );
    expect(me.username).toBe('alice');

    // A second sign-in reuses the app registration; the same account reconnects the same channel.
    const again = await connect(person.client, snac.users.get('alice')!);
    expect(again.channelId).toBe(channelId);
    expect(again.authorizeUrl.searchParams.get('client_id')).toBe(authorizeUrl.searchParams.get('client_id'));
    expect(await app.sql`select 1 from mastodon_apps where instance_url = ${snac.url}`).toHaveLength(1);
  });

  it('publishes a thread with an image and Mastodon settings through the publisher, once', async () => {
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3366cc' } })
      .png()
      .toBuffer();
    const upload = await fetch(
      `${app.url}${orgPath()}/media?filename=chart.png&altText=${encodeURIComponent('A blue chart')}`,
      {
        method: 'POST',
        headers: {
          'content-type': 'image/png',
          cookie: `spool_session=${person.client.cookie('spool_session')}`,
          'x-csrf-token': person.client.csrfToken!,
          origin: new URL(app.url).origin,
        },
        body: png,
      },
    );
    expect(upload.status, await upload.clone().text()).toBe(201);
    const media = (await upload.json()) as { id: string };
    const created = await person.client.post<{ id: string }>(`${orgPath()}/posts`, {
      text: 'Spool on snac2: part one',
      media: [{ mediaId: media.id }],
      thread: [{ text: 'part two, a reply' }],
      channelIds: [aliceChannel],
      schedule: { mode: 'now' },
    });
    expect(created.status, created.text).toBe(201);

    const publisher = startPublisher();
    try {
      const [target] = await waitFor(async () => {
        const rows = await app.sql<
          { status: string; network_post_id: string; network_post_url: string; last_error: string }[]
        >`
          select status, network_post_id, network_post_url, last_error from post_targets where post_id = ${created.body.id}`;
        return rows[0]?.status === 'published' || rows[0]?.status === 'failed' ? rows : undefined;
      }, 20_000);
      expect(target!.status, target!.last_error).toBe('published');
      expect(target!.network_post_url).toMatch(new RegExp(`^${snac.url}/alice/p/`));
      const ctx = await contextOf(aliceChannel);
      const statuses = await snacApi<SnacStatus[]>(
        ctx.credentials.accessToken,
        'GET',
        `/api/v1/accounts/${ctx.channel.accountId.split('@')[0]}/statuses?limit=40`,
      );
      const first = statuses.find((s) => s.id === target!.network_post_id)!;
      expect(first.content).toContain('part one');
      expect(first.media_attachments).toHaveLength(1);
      expect(first.media_attachments[0]!.description).toBe('A blue chart');
      const replies = statuses.filter((s) => s.in_reply_to_id === first.id);
      expect(replies.map((s) => s.content)).toEqual([expect.stringContaining('part two')]);
      // Published once: no second copy of either part.
      expect(statuses.filter((s) => s.content.includes('part one'))).toHaveLength(1);
    } finally {
      await publisher.stop(2_000);
    }
  });

  it('sends visibility, content warning and language, and reads a status back', async () => {
    const ctx = await contextOf(aliceChannel);
    const adapter = new MastodonNetwork({ timeoutMs: 5_000 });
    const publish = async (text: string, mastodon: Record<string, unknown>) => {
      const outcome = await adapter.publish(ctx, {
        targetId: crypto.randomUUID(),
        parts: [{ text, media: [] }],
        networkOptions: { mastodon },
      } as Parameters<MastodonNetwork['publish']>[1]);
      expect(outcome.kind).toBe('published');
      const id = (outcome as { networkPostId: string }).networkPostId;
      return snacApi<SnacStatus>(ctx.credentials.accessToken, 'GET', `/api/v1/statuses/${id}`);
    };
    const hidden = await publish('for mentioned people only', {
      visibility: 'private',
      contentWarning: 'spoilers',
    });
    expect(hidden).toMatchObject({ visibility: 'private', spoiler_text: 'spoilers' });

    // snac's Mastodon API shows "unlisted" as public and every language as "en"; the ActivityPub
    // object it federates carries what was sent: Public in cc only (quiet public), the language.
    const quiet = await publish('quietly public, in French', { visibility: 'unlisted', language: 'fr' });
    const object = (await (
      await fetch(quiet.url, { headers: { accept: 'application/activity+json' } })
    ).json()) as {
      contentMap?: Record<string, string>;
      to: string[];
      cc: string[];
    };
    expect(Object.keys(object.contentMap ?? {})).toEqual(['fr']);
    const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public';
    expect(object.cc).toContain(PUBLIC);
    expect(object.to).not.toContain(PUBLIC);

    expect(await adapter.readPublished(ctx, quiet.id)).toMatchObject({
      exists: true,
      networkPostId: quiet.id,
      metrics: { likes: 0, reposts: 0, replies: 0 },
    });
  });

  it('says in words that snac 2.75 cannot delete through its API, and never claims it did', async () => {
    const ctx = await contextOf(aliceChannel);
    const adapter = new MastodonNetwork({ timeoutMs: 30_000 });
    const outcome = await adapter.publish(ctx, {
      targetId: crypto.randomUUID(),
      parts: [{ text: 'to delete', media: [] }],
    });
    expect(outcome.kind).toBe('published');
    const id = (outcome as { networkPostId: string }).networkPostId;
    await expect(adapter.deletePost(ctx, id)).rejects.toThrow(/does not support deleting posts/);
    expect(await adapter.readPublished(ctx, id)).toMatchObject({ exists: true });
  });

  it("records another account's favourite, boost and reply by polling snac's notifications", async () => {
    const ctx = await contextOf(aliceChannel);
    const adapter = new MastodonNetwork({ timeoutMs: 5_000 });
    const outcome = await adapter.publish(ctx, {
      targetId: crypto.randomUUID(),
      parts: [{ text: 'like me', media: [] }],
    });
    const statusId = (outcome as { networkPostId: string; url: string }).networkPostId;
    const statusUrl = (outcome as { url: string }).url;
    const targetId = await seedPublishedTarget(aliceChannel, statusId);

    const follower = new MastodonNotificationFollower({
      sql: app.sql,
      secretBox: app.secretBox,
      log,
      allowPrivateAddresses: true,
      scanIntervalMs: 500,
      pollIntervalMs: 500,
    });
    await follower.start();
    try {
      expect(follower.followedChannelIds()).toContain(aliceChannel);
      // bob sees alice's post (snac fetches it into his timeline), then likes, boosts and replies.
      const bob = await snac.obtainToken(snac.users.get('bob')!);
      await snac.cli('insert', 'bob', statusUrl);
      await snacApi(bob.accessToken, 'POST', `/api/v1/statuses/${statusId}/favourite`, {});
      await snacApi(bob.accessToken, 'POST', `/api/v1/statuses/${statusId}/reblog`, {});
      await snacApi(bob.accessToken, 'POST', '/api/v1/statuses', {
        status: '@alice nice one',
        in_reply_to_id: statusId,
      });

      // snac delivers between its own users through its queue, every few seconds.
      const totals = await waitFor(
        async () => {
          const [row] = await app.sql<{ likes: number; reposts: number; replies: number }[]>`
          select likes, reposts, replies from post_engagement where target_id = ${targetId}`;
          return row && row.likes === 1 && row.reposts === 1 && row.replies === 1 ? row : undefined;
        },
        45_000,
        250,
      );
      expect(totals).toEqual({ likes: 1, reposts: 1, replies: 1 });
      const events = await app.sql<{ kind: string; actor_handle: string }[]>`
        select kind, actor_handle from engagement_events where target_id = ${targetId} order by kind`;
      expect(events.map((e) => e.kind)).toEqual(['like', 'reply', 'repost']);
      expect(events.every((e) => e.actor_handle.startsWith('bob'))).toBe(true);
      const [cursor] =
        await app.sql`select cursor from channel_stream_cursors where channel_id = ${aliceChannel}`;
      expect(cursor).toBeDefined();
    } finally {
      await follower.stop();
    }
  }, 60_000);

  it('disconnecting keeps the queue; connecting the same account again resumes the channel', async () => {
    const queued = await person.client.post<{ id: string }>(`${orgPath()}/posts`, {
      text: 'waits in the queue',
      channelIds: [aliceChannel],
      schedule: { mode: 'custom', at: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(queued.status, queued.text).toBe(201);
    const oldToken = (await contextOf(aliceChannel)).credentials.accessToken;

    const off = await person.client.post(`${orgPath()}/channels/mastodon/${aliceChannel}/disconnect`);
    expect(off.status, off.text).toBe(200);
    expect(off.body).toMatchObject({ connectionState: 'disconnected', hasCredentials: false });
    // The token was revoked on snac.
    const revoked = await fetch(`${snac.url}/api/v1/accounts/verify_credentials`, {
      headers: { authorization: `Bearer ${oldToken}` },
    });
    expect(revoked.ok).toBe(false); // snac answers 422 to an unknown token
    const [waiting] = await app.sql`select status from post_targets where post_id = ${queued.body.id}`;
    expect(waiting!.status).toBe('scheduled');

    const { channelId } = await connect(person.client, snac.users.get('alice')!);
    expect(channelId).toBe(aliceChannel);
    const channel = await person.client.get(`${orgPath()}/channels/${aliceChannel}`);
    expect(channel.body).toMatchObject({ connectionState: 'connected', hasCredentials: true });
    const [still] = await app.sql`select status from post_targets where post_id = ${queued.body.id}`;
    expect(still!.status).toBe('scheduled');
  });
});

async function seedPublishedTarget(channelId: string, statusId: string): Promise<string> {
  const [post] = await app.sql<{ id: string }[]>`
    insert into posts (organization_id, author_user_id, text) values (${person.organizationId}, ${person.userId}, 'like me')
    returning id`;
  const [target] = await app.sql<{ id: string }[]>`
    insert into post_targets (post_id, organization_id, channel_id, status, published_at, network_post_id)
    values (${post!.id}, ${person.organizationId}, ${channelId}, 'published', now(), ${statusId})
    returning id`;
  return target!.id;
}

function startPublisher(): Publisher {
  const events = new BufferedPublishEvents([], log);
  const publisher = createPublisher({
    config: app.config,
    sql: app.sql,
    secretBox: app.secretBox,
    log,
    registry: new Registry(),
    events,
  });
  void publisher.start();
  return publisher;
}

describeAdapterContract({
  name: 'mastodon against a real snac2 server',
  serverRefusesText: false,
  // snac2 2.75 has no DELETE /api/v1/statuses/:id (added in 2.84); see the test above.
  serverDeletes: false,
  injectsFaults: false,
  target: () => ({
    adapter: new MastodonNetwork({ timeoutMs: 5_000 }),
    plainText: (html) => html.replace(/<[^>]+>/g, '').replace(/&amp;/g, '&'),
    async newAccount() {
      const user = await snac.addUser(`c${crypto.randomUUID().replace(/-/g, '').slice(0, 12)}`);
      const { accessToken } = await snac.obtainToken(user);
      const me = await snacApi<{ id: string }>(accessToken, 'GET', '/api/v1/accounts/verify_credentials');
      return {
        ctx: {
          channel: { id: crypto.randomUUID(), accountId: me.id, handle: user.name, serviceUrl: snac.url },
          credentials: { accessToken },
        },
        async posts() {
          const list = await snacApi<SnacStatus[]>(
            accessToken,
            'GET',
            `/api/v1/accounts/${me.id}/statuses?limit=40`,
          );
          return list.reverse().map((s) => ({ id: s.id, text: s.content, inReplyToId: s.in_reply_to_id }));
        },
      };
    },
  }),
});
