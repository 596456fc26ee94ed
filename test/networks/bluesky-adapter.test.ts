import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BlueskyNetwork } from '../../src/networks/bluesky/bluesky.ts';
import { pdsDispatcher } from '../../src/networks/bluesky/guarded-dispatcher.ts';
import { createSession } from '../../src/networks/bluesky/session.ts';
import { recordKeyFor } from '../../src/networks/bluesky/tid.ts';
import type { OutgoingMedia, OutgoingPost, PublishContext } from '../../src/ports/social-network.ts';
import {
  type AtprotoNetwork,
  makePng,
  type PdsProxy,
  startAtprotoNetwork,
  startPdsProxy,
} from '../support/atproto-network.ts';

/**
 * The Bluesky adapter on its own, against the real local PDS; a loopback proxy in front of it
 * injects the answers a real network gives under load (429, 5xx, refusals).
 */
describe('the Bluesky adapter', () => {
  let atproto: AtprotoNetwork;
  let proxy: PdsProxy;
  let ctx: PublishContext;
  const network = new BlueskyNetwork({ allowPrivateAddresses: true, timeoutMs: 5_000 });

  beforeAll(async () => {
    atproto = await startAtprotoNetwork();
    proxy = await startPdsProxy(atproto.pdsUrl);
    const settings = { dispatcher: pdsDispatcher(true), allowPrivateAddresses: true, timeoutMs: 5_000 };
    const session = await createSession(atproto.pdsUrl, 'alice.test', atproto.alice.appPassword, settings);
    if ('kind' in session) throw new Error(session.reason);
    ctx = {
      channel: {
        id: randomUUID(),
        accountId: session.did,
        handle: session.handle,
        serviceUrl: atproto.pdsUrl,
      },
      credentials: {
        accessToken: session.accessJwt,
        refreshToken: session.refreshJwt,
        did: session.did,
        service: atproto.pdsUrl,
      },
    };
  }, 90_000);
  afterAll(async () => {
    await Promise.all([proxy?.close(), atproto?.stop()]);
  });
  beforeEach(() => proxy.setRule(() => ({ kind: 'pass' })));

  const post = (text: string, extra: Partial<OutgoingPost> = {}): OutgoingPost => ({
    targetId: randomUUID(),
    parts: [{ text, media: [] }],
    ...extra,
  });
  const viaProxy = (): PublishContext => ({ ...ctx, channel: { ...ctx.channel, serviceUrl: proxy.url } });

  async function alicePosts(): Promise<
    { uri: string; value: { text: string; langs?: string[]; embed?: unknown } }[]
  > {
    const res = await fetch(
      `${atproto.pdsUrl}/xrpc/com.atproto.repo.listRecords?repo=${atproto.alice.did}&collection=app.bsky.feed.post&limit=100`,
    );
    return ((await res.json()) as { records: { uri: string; value: { text: string } }[] }).records;
  }

  async function published(outgoing: OutgoingPost, context = ctx): Promise<string> {
    const outcome = await network.publish(context, outgoing);
    if (outcome.kind !== 'published') throw new Error(`not published: ${JSON.stringify(outcome)}`);
    return outcome.networkPostId;
  }

  it('publishes one record per target, however many times the same target is published', async () => {
    const outgoing = post(`Once ${Date.now()}`);
    const first = await published(outgoing);
    await new Promise((r) => setTimeout(r, 5)); // a later attempt builds a different createdAt
    const second = await published(outgoing);
    expect(second).toBe(first);
    expect(first).toBe(`at://${atproto.alice.did}/app.bsky.feed.post/${recordKeyFor(outgoing.targetId, 0)}`);
    expect((await alicePosts()).filter((p) => p.value.text === outgoing.parts[0]!.text)).toHaveLength(1);
  });

  it('labels the languages, and quotes a post linked in the text (with images: record with media)', async () => {
    const quotedUri = await published(post('The original'));
    const rkey = quotedUri.split('/').pop();
    const quote = await published(
      post(`Look: https://bsky.app/profile/alice.test/post/${rkey}`, { languages: ['en', 'pt-BR'] }),
    );
    const records = await alicePosts();
    const original = records.find((r) => r.uri === quotedUri)!;
    const quoting = records.find((r) => r.uri === quote)!;
    expect(quoting.value.langs).toEqual(['en', 'pt-BR']);
    expect(quoting.value.embed).toMatchObject({
      $type: 'app.bsky.embed.record',
      record: { uri: original.uri },
    });

    const png = makePng(2, 2);
    const withImage = await published({
      targetId: randomUUID(),
      parts: [
        {
          text: `And with a picture https://bsky.app/profile/${atproto.alice.did}/post/${rkey}`,
          media: [image(png, 'tiny')],
        },
      ],
    });
    const mixed = (await alicePosts()).find((r) => r.uri === withImage)!;
    expect(mixed.value.embed).toMatchObject({
      $type: 'app.bsky.embed.recordWithMedia',
      record: { record: { uri: original.uri } },
      media: { $type: 'app.bsky.embed.images', images: [{ alt: 'tiny' }] },
    });
  });

  it('looks a target up by its record key, and deletes it', async () => {
    const outgoing = post('To be deleted');
    expect(await network.lookupPublished(ctx, outgoing)).toEqual({ found: false });
    const uri = await published(outgoing);
    expect(await network.lookupPublished(ctx, outgoing)).toMatchObject({ found: true, networkPostId: uri });
    await network.deletePost(ctx, uri);
    expect(await network.lookupPublished(ctx, outgoing)).toEqual({ found: false });
    expect((await alicePosts()).some((p) => p.uri === uri)).toBe(false);
    await expect(
      network.deletePost(ctx, `at://${atproto.bob.did}/app.bsky.feed.post/${recordKeyFor('x', 0)}`),
    ).rejects.toThrow(/not a post of this account/);
  });

  it('refuses what Bluesky would refuse before sending anything', async () => {
    const before = proxy.seen.length;
    const tooLong = await network.publish(viaProxy(), post('x'.repeat(301)));
    expect(tooLong).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/301 characters.*300/) });
    const bigImage = await network.publish(viaProxy(), {
      targetId: randomUUID(),
      parts: [{ text: 'ok', media: [{ ...image(makePng(2, 2), ''), bytes: 1_200_000 }] }],
    });
    expect(bigImage).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/1\.2 MB.*up to 1 MB/) });
    const thread = await network.publish(viaProxy(), {
      targetId: randomUUID(),
      parts: [
        { text: 'fine', media: [] },
        { text: 'five', media: Array.from({ length: 5 }, () => image(makePng(2, 2), '')) },
      ],
    });
    expect(thread).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/Part 2 .* at most 4 images/),
    });
    const languages = await network.publish(viaProxy(), post('hi', { languages: ['en', 'not a tag'] }));
    expect(languages).toMatchObject({ kind: 'invalid' });
    expect(proxy.seen.length).toBe(before);
  });

  it('classifies rate limits, server errors, refusals and lost sessions', async () => {
    const reset = Math.floor(Date.now() / 1000) + 120;
    proxy.setRule((nsid) =>
      nsid === 'com.atproto.repo.putRecord'
        ? {
            kind: 'answer',
            status: 429,
            headers: { 'ratelimit-reset': String(reset) },
            body: { error: 'RateLimitExceeded' },
          }
        : { kind: 'pass' },
    );
    const limited = await network.publish(viaProxy(), post('rate'));
    expect(limited.kind).toBe('rate_limited');
    expect(limited.kind === 'rate_limited' && limited.retryAfterMs).toBeGreaterThan(100_000);

    proxy.setRule((nsid) =>
      nsid === 'com.atproto.repo.putRecord'
        ? { kind: 'answer', status: 502, body: 'bad gateway' }
        : { kind: 'pass' },
    );
    expect((await network.publish(viaProxy(), post('5xx'))).kind).toBe('unknown');

    proxy.setRule((nsid) =>
      nsid === 'com.atproto.repo.uploadBlob' ? { kind: 'answer', status: 503, body: {} } : { kind: 'pass' },
    );
    const upload = await network.publish(viaProxy(), {
      targetId: randomUUID(),
      parts: [{ text: 'img', media: [image(makePng(2, 2), '')] }],
    });
    expect(upload.kind).toBe('retryable'); // nothing was published: an upload is harmless to repeat

    proxy.setRule((nsid) =>
      nsid === 'com.atproto.repo.putRecord'
        ? {
            kind: 'answer',
            status: 400,
            body: { error: 'InvalidRequest', message: 'Invalid app.bsky.feed.post record: bad' },
          }
        : { kind: 'pass' },
    );
    expect(await network.publish(viaProxy(), post('refused'))).toEqual({
      kind: 'invalid',
      reason: 'Bluesky refused the post: Invalid app.bsky.feed.post record: bad',
    });

    proxy.setRule(() => ({ kind: 'pass' }));
    const expired = await network.publish(
      { ...viaProxy(), credentials: { ...ctx.credentials, accessToken: 'not-a-token' } },
      post('no session'),
    );
    expect(expired.kind).toBe('auth_expired');
  });

  it('refreshes an expired session without sending the post with the old token', async () => {
    const before = proxy.seen.length;
    const stale = {
      ...viaProxy(),
      credentials: { ...ctx.credentials, expiresAt: new Date(Date.now() - 1_000).toISOString() },
    };
    expect((await network.publish(stale, post('later'))).kind).toBe('auth_expired');
    expect(proxy.seen.length).toBe(before);
    const credentials = await network.refreshCredentials(stale);
    // (A session refreshed within the same second may carry an identical access token: what counts is
    // that it is valid for longer and that the post goes out with it.)
    expect(credentials.accessToken).toEqual(expect.any(String));
    expect(Date.parse(credentials.expiresAt!)).toBeGreaterThan(Date.now());
    expect(credentials).toMatchObject({ did: atproto.alice.did, service: atproto.pdsUrl });
    ctx = { ...ctx, credentials };
    expect((await network.publish(ctx, post('with the new session'))).kind).toBe('published');
  });

  it('does not connect to a PDS on a private address unless allowed', async () => {
    const guarded = new BlueskyNetwork({ timeoutMs: 5_000 });
    for (const serviceUrl of [atproto.pdsUrl, proxy.url]) {
      const outcome = await guarded.publish(
        { ...ctx, channel: { ...ctx.channel, serviceUrl } },
        post('inside'),
      );
      expect(outcome).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/loopback/) });
    }
  });
});

function image(bytes: Buffer, altText: string): OutgoingMedia {
  return {
    mediaId: randomUUID(),
    mimeType: 'image/png',
    bytes: bytes.length,
    altText,
    width: 2,
    height: 2,
    read: async () => bytes,
  };
}
