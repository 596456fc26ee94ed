import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../sim/server.ts';
import { MastodonNetwork } from '../../src/networks/mastodon/mastodon.ts';
import type { OutgoingMedia, OutgoingPost, PublishContext } from '../../src/ports/social-network.ts';

/**
 * The Mastodon adapter against the simulator (Idempotency-Key, asynchronous media processing,
 * faults) and, for the parts of the wire format neither the simulator nor snac2 implements (polls,
 * refresh tokens), a small recording server that answers as Mastodon does.
 */

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 5, mastodon: { mediaProcessingMs: 300 } });
});
afterAll(async () => {
  await sim?.close();
});

async function account(): Promise<PublishContext & { accountId: string }> {
  const res = await fetch(`${sim.url}/_sim/accounts`, {
    method: 'POST',
    body: JSON.stringify({ network: 'mastodon' }),
  });
  const acct = (await res.json()) as { id: string; username: string; accessToken: string };
  return {
    accountId: acct.id,
    channel: {
      id: crypto.randomUUID(),
      accountId: acct.id,
      handle: acct.username,
      serviceUrl: `${sim.url}/mastodon`,
    },
    credentials: { accessToken: acct.accessToken },
  };
}

function image(altText: string, bytes = Buffer.from('\x89PNG\r\n\x1a\n fake image bytes')): OutgoingMedia {
  return {
    mediaId: crypto.randomUUID(),
    mimeType: 'image/png',
    bytes: bytes.length,
    altText,
    read: async () => bytes,
  };
}

const post = (parts: OutgoingPost['parts'], networkOptions?: unknown): OutgoingPost =>
  ({ targetId: crypto.randomUUID(), parts, networkOptions }) as OutgoingPost;

const livePosts = (accountId: string) =>
  sim.state.listPosts({ network: 'mastodon', accountId }).filter((p) => p.deletedAt === null);

describe('Mastodon adapter against the simulator', () => {
  const adapter = new MastodonNetwork({ timeoutMs: 1_000 });

  it('uploads up to four media through /api/v2/media, waits for processing, then attaches them', async () => {
    const ctx = await account();
    const outcome = await adapter.publish(
      ctx,
      post([{ text: 'four pictures', media: [image('one'), image('two'), image('three'), image('four')] }]),
    );
    expect(outcome.kind).toBe('published');
    const [stored] = livePosts(ctx.accountId);
    expect(stored!.mediaIds).toHaveLength(4);
    for (const id of stored!.mediaIds)
      expect(sim.state.mediaById('mastodon', id)?.mimeType).toBe('image/png');
  });

  it('gives up on media that takes too long to process, as retryable, before posting anything', async () => {
    const slow = await startSimulator({ mastodon: { mediaProcessingMs: 10_000 } });
    try {
      const res = await fetch(`${slow.url}/_sim/accounts`, {
        method: 'POST',
        body: JSON.stringify({ network: 'mastodon' }),
      });
      const acct = (await res.json()) as { id: string; username: string; accessToken: string };
      const ctx: PublishContext = {
        channel: {
          id: crypto.randomUUID(),
          accountId: acct.id,
          handle: acct.username,
          serviceUrl: `${slow.url}/mastodon`,
        },
        credentials: { accessToken: acct.accessToken },
      };
      const impatient = new MastodonNetwork({ timeoutMs: 1_000, mediaProcessingTimeoutMs: 400 });
      const outcome = await impatient.publish(ctx, post([{ text: 'slow video', media: [image('clip')] }]));
      expect(outcome).toMatchObject({
        kind: 'retryable',
        reason: expect.stringMatching(/still processing a media file/),
      });
      expect(slow.state.listPosts({ network: 'mastodon', accountId: acct.id })).toHaveLength(0);
    } finally {
      await slow.close();
    }
  });

  it('refuses what Mastodon would refuse, in words, without sending it', async () => {
    const ctx = await account();
    const five = [1, 2, 3, 4, 5].map((n) => image(`picture ${n}`));
    expect(await adapter.publish(ctx, post([{ text: 'too many', media: five }]))).toMatchObject({
      kind: 'invalid',
      reason: 'Mastodon allows at most 4 media per post.',
    });
    const poll = { options: ['yes', 'no'], expiresInSeconds: 3600 };
    expect(
      await adapter.publish(ctx, post([{ text: 'vote', media: [image('x')] }], { mastodon: { poll } })),
    ).toMatchObject({
      kind: 'invalid',
      reason: 'A Mastodon post cannot have both a poll and media.',
    });
    const bad = await adapter.publish(
      ctx,
      post([{ text: 'hi', media: [] }], { mastodon: { visibility: 'everyone' } }),
    );
    expect(bad.kind).toBe('invalid');
    expect((bad as { reason: string }).reason).toMatch(
      /^The Mastodon settings of this post are not valid: visibility/,
    );
    expect(await adapter.publish(ctx, post([{ text: '  ', media: [] }]))).toMatchObject({ kind: 'invalid' });
    expect(livePosts(ctx.accountId)).toHaveLength(0);
    // A 422 from the instance keeps its own words.
    const long = await adapter.publish(ctx, post([{ text: 'x'.repeat(501), media: [] }]));
    expect(long).toMatchObject({
      kind: 'invalid',
      reason: expect.stringContaining('character limit of 500'),
    });
  });

  it('sends an Idempotency-Key per part derived from the target, so a retried thread replays', async () => {
    const ctx = await account();
    const outgoing = post([
      { text: 'thread one', media: [] },
      { text: 'thread two', media: [] },
    ]);
    // Every answer is lost after the status was stored: the first part's attempt ends unknown.
    sim.setFaults({
      accounts: { [ctx.accountId]: { timeoutAfterStoreRate: 1, hangMs: 3_000, scope: 'writes' } },
    });
    const lost = await adapter.publish(ctx, outgoing);
    sim.setFaults({});
    expect(lost.kind).toBe('unknown');
    const before = sim.state.stats().networks.mastodon?.idempotentReplays ?? 0;
    const retried = await adapter.publish(ctx, outgoing);
    expect(retried.kind).toBe('published');
    const stored = livePosts(ctx.accountId);
    expect(stored.map((p) => p.idempotencyKey).sort()).toEqual([
      `spool-${outgoing.targetId}-0`,
      `spool-${outgoing.targetId}-1`,
    ]);
    expect(sim.state.stats().networks.mastodon!.idempotentReplays).toBeGreaterThan(before);
  });

  it('reads a status back with its counts, and knows when it is gone', async () => {
    const ctx = await account();
    const outcome = await adapter.publish(ctx, post([{ text: 'count me', media: [] }]));
    const id = (outcome as { networkPostId: string }).networkPostId;
    expect(await adapter.readPublished(ctx, id)).toEqual({
      exists: true,
      networkPostId: id,
      url: expect.stringMatching(/^http:\/\//),
      metrics: { likes: 0, reposts: 0, replies: 0 },
    });
    expect((await adapter.fetchMetrics(ctx, [id])).get(id)).toEqual({ likes: 0, reposts: 0, replies: 0 });
    await adapter.deletePost(ctx, id);
    expect(await adapter.readPublished(ctx, id)).toEqual({ exists: false });
  });

  it('refuses private and loopback instances when the SSRF rules are on', async () => {
    const ctx = await account();
    const guarded = new MastodonNetwork({ timeoutMs: 1_000, allowPrivateAddresses: false });
    const literal = await guarded.publish(ctx, post([{ text: 'to loopback', media: [] }]));
    expect(literal).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('loopback') });
    const named = {
      ...ctx,
      channel: { ...ctx.channel, serviceUrl: ctx.channel.serviceUrl!.replace('127.0.0.1', 'localhost') },
    };
    const byName = await guarded.publish(named, post([{ text: 'to localhost', media: [] }]));
    expect(byName).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('loopback') });
    expect(livePosts(ctx.accountId)).toHaveLength(0);
  });
});

describe('Mastodon wire format the simulator does not speak', () => {
  let server: Server;
  let base: string;
  const received: { path: string; body: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const body = await readBody(req);
      received.push({ path: req.url ?? '', body });
      res.setHeader('content-type', 'application/json');
      if (req.url === '/api/v1/statuses') {
        res.end(
          JSON.stringify({
            id: String(received.length),
            url: `${base}/@a/${received.length}`,
            poll: body.poll,
          }),
        );
      } else if (
        req.url === '/oauth/token' &&
        body.grant_type === 'refresh_token' &&
        body.refresh_token === 'refresh-1'
      ) {
        res.end(
          JSON.stringify({
            access_token: 'access-2',
            refresh_token: 'refresh-2',
            expires_in: 7200,
            token_type: 'Bearer',
          }),
        );
      } else {
        res.statusCode = 400;
        res.end(
          JSON.stringify({ error: 'invalid_grant', error_description: 'The refresh token is invalid.' }),
        );
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const ctx = (credentials: PublishContext['credentials']): PublishContext => ({
    channel: { id: crypto.randomUUID(), accountId: '1', handle: 'a', serviceUrl: base },
    credentials,
  });

  it('sends a poll, a content warning, visibility and language as Mastodon documents them', async () => {
    const adapter = new MastodonNetwork();
    const options = {
      mastodon: {
        visibility: 'unlisted',
        contentWarning: 'election',
        language: 'de',
        poll: { options: ['Ja', 'Nein'], expiresInSeconds: 86_400, multiple: true },
      },
    };
    const parts = [
      { text: 'Wahl?', media: [] },
      { text: 'more', media: [] },
    ];
    const outcome = await adapter.publish(ctx({ accessToken: 't' }), post(parts, options));
    expect(outcome.kind).toBe('published');
    const statuses = received.filter((r) => r.path === '/api/v1/statuses');
    expect(statuses[0]!.body).toEqual({
      status: 'Wahl?',
      visibility: 'unlisted',
      spoiler_text: 'election',
      language: 'de',
      poll: { options: ['Ja', 'Nein'], expires_in: 86_400, multiple: true, hide_totals: false },
    });
    // The reply carries the same settings but no second poll.
    expect(statuses[1]!.body).toEqual({
      status: 'more',
      in_reply_to_id: '1',
      visibility: 'unlisted',
      spoiler_text: 'election',
      language: 'de',
    });
  });

  it('refreshes the token with the app that obtained it, keeping the rest of the credentials', async () => {
    const adapter = new MastodonNetwork();
    const credentials = {
      accessToken: 'access-1',
      refreshToken: 'refresh-1',
      clientId: 'cid',
      clientSecret: 'csecret',
    };
    const refreshed = await adapter.refreshCredentials(ctx(credentials));
    expect(refreshed).toMatchObject({
      accessToken: 'access-2',
      refreshToken: 'refresh-2',
      clientId: 'cid',
      clientSecret: 'csecret',
    });
    expect(Date.parse(String(refreshed.expiresAt))).toBeGreaterThan(Date.now() + 7_000_000);
    expect(received.at(-1)!.body).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'refresh-1',
      client_id: 'cid',
      client_secret: 'csecret',
    });
    await expect(adapter.refreshCredentials(ctx({ ...credentials, refreshToken: 'stale' }))).rejects.toThrow(
      /refused to refresh the token: The refresh token is invalid/,
    );
    await expect(adapter.refreshCredentials(ctx({ accessToken: 'a' }))).rejects.toThrow(
      /issued no refresh token/,
    );
  });
});

function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (d: Buffer) => {
      text += d.toString();
    });
    req.on('end', () => {
      if (String(req.headers['content-type']).includes('json')) return resolve(text ? JSON.parse(text) : {});
      resolve(Object.fromEntries(new URLSearchParams(text)));
    });
  });
}
