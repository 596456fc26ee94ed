import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelView } from '../../src/domain/channels/channel-view.ts';
import { createLogger } from '../../src/logger.ts';
import { BufferedPublishEvents } from '../../src/publisher/publish-events.ts';
import type { Publisher } from '../../src/publisher/publisher.ts';
import { createPublisher } from '../../src/publisher/start-publisher.ts';
import { launchChromium } from '../browser/harness.ts';
import { type AtprotoNetwork, startAtprotoNetwork } from '../support/atproto-network.ts';
import { signUpUser } from '../support/http-client.ts';
import { waitFor } from '../support/publishing-fixtures.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { selfSignedCertificateFor } from '../support/tls.ts';

/** The https Spool's name: AT Protocol OAuth refuses loopback, reserved and
 * documentation names for it, so a made-up public name is mapped to 127.0.0.1 for the PDS and Chromium. */
const SPOOL_HOST = 'spool-tests.dev';

interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}

/**
 * Connecting Bluesky with AT Protocol OAuth (PAR + PKCE + DPoP) against a real PDS, its real
 * sign-in pages driven in Chromium: as a loopback client (Spool on http://127.0.0.1) and as a
 * confidential client (Spool on https, authenticating with private_key_jwt), then publishing with
 * the DPoP-bound tokens and refreshing them.
 */
describe('connecting Bluesky with OAuth', () => {
  let atproto: AtprotoNetwork;
  let plain: TestApp;
  let secure: TestApp;
  let browser: Browser;
  let caDir: string;

  beforeAll(async () => {
    const cert = await selfSignedCertificateFor([SPOOL_HOST]);
    caDir = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-ca-'));
    const caFile = path.join(caDir, 'spool-test-ca.pem');
    await fs.writeFile(caFile, cert.cert);
    const env = { SSRF_ALLOW_PRIVATE: 'true', PUBLISH_RETRY_BASE_MS: '50' };
    // The PDS reads the client metadata from the https Spool, whose certificate it must trust.
    atproto = await startAtprotoNetwork({
      env: { NODE_EXTRA_CA_CERTS: caFile, SPOOL_PEER_HOSTS: `${SPOOL_HOST}=127.0.0.1` },
    });
    [plain, secure, browser] = await Promise.all([
      startTestApp({ env: { ...env, BLUESKY_PLC_URL: atproto.plcUrl } }),
      startTestApp({ env: { ...env, BLUESKY_PLC_URL: atproto.plcUrl }, tls: cert }),
      launchChromium([`--host-resolver-rules=MAP ${SPOOL_HOST} 127.0.0.1`]),
    ]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await Promise.all([plain?.close(), secure?.close(), atproto?.stop()]);
    if (caDir) await fs.rm(caDir, { recursive: true, force: true });
  });

  /** Signs in on the PDS's own pages as `who`, then answers its consent screen. */
  async function signInAtPds(page: Page, password: string, answer: 'Authorize' | 'Deny access') {
    await page.locator('input[name=password]').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: answer }).click();
  }

  async function sealedCredentials(t: TestApp, channelId: string): Promise<Record<string, unknown>> {
    const [row] = await t.sql<{ credentials_sealed: string }[]>`
      select credentials_sealed from channels where id = ${channelId}`;
    return JSON.parse(t.secretBox.open(row!.credentials_sealed, `channel:${channelId}`));
  }

  async function publishAndRead(t: TestApp, organizationId: string, userId: string, channelId: string) {
    const log = createLogger('silent');
    const publisher: Publisher = createPublisher({
      config: t.config,
      sql: t.sql,
      secretBox: t.secretBox,
      log,
      registry: new Registry(),
      events: new BufferedPublishEvents([], log, 20),
    });
    await publisher.start();
    try {
      const text = `Published with a DPoP-bound token for @bob.test ${Date.now()}`;
      const [post] = await t.sql<{ id: string }[]>`
        insert into posts (organization_id, author_user_id, text) values (${organizationId}, ${userId}, ${text})
        returning id`;
      const [target] = await t.sql<{ id: string }[]>`
        insert into post_targets (post_id, organization_id, channel_id, status, due_at)
        values (${post!.id}, ${organizationId}, ${channelId}, 'scheduled', now()) returning id`;
      await t.sql`select pg_notify('spool_due', 'test')`;
      const row = await waitFor(async () => {
        const [r] = await t.sql<
          { status: string; network_post_id: string | null; last_error: string | null }[]
        >`
          select status, network_post_id, last_error from post_targets where id = ${target!.id}`;
        return r && ['published', 'failed', 'unconfirmed'].includes(r.status) ? r : undefined;
      }, 20_000);
      expect(row, row.last_error ?? '').toMatchObject({ status: 'published' });
      const rkey = row.network_post_id!.split('/').at(-1)!;
      const res = await fetch(
        `${atproto.pdsUrl}/xrpc/com.atproto.repo.getRecord?repo=${atproto.alice.did}&collection=app.bsky.feed.post&rkey=${rkey}`,
      );
      expect(res.status).toBe(200);
      const { value } = (await res.json()) as {
        value: { text: string; facets?: { features: { did?: string }[] }[] };
      };
      // The mention was resolved to bob's DID with the same DPoP-bound session.
      expect(value.facets?.[0]?.features[0]?.did).toBe(atproto.bob.did);
      return value.text === text;
    } finally {
      await publisher.stop(2_000);
    }
  }

  it('connects as a loopback client, publishes with DPoP, and refreshes the session', async () => {
    const ana = await signUpUser(plain.url);
    const start = await ana.client.post<{ authorizationUrl: string }>(
      `/api/orgs/${ana.organizationId}/channels/bluesky/authorize`,
      { handle: '@alice.test', serviceUrl: atproto.pdsUrl },
    );
    expect(start.status, start.text).toBe(200);
    const authorizationUrl = new URL(start.body.authorizationUrl);
    expect(authorizationUrl.origin).toBe(new URL(atproto.pdsUrl).origin);
    expect(authorizationUrl.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    expect(authorizationUrl.searchParams.get('client_id')).toMatch(/^http:\/\/localhost\/?\?redirect_uri=/);

    const context = await browser.newContext();
    try {
      await context.addCookies([
        { name: 'spool_session', value: ana.client.cookie('spool_session')!, url: plain.url },
      ]);
      const page = await context.newPage();
      await page.goto(authorizationUrl.href);
      await signInAtPds(page, atproto.alice.password, 'Authorize');
      await page.waitForURL((url) => url.pathname === '/channels' && url.searchParams.has('connected'));
      const channelId = new URL(page.url()).searchParams.get('connected')!;

      const channels = await ana.client.get<{ channels: ChannelView[] }>(
        `/api/orgs/${ana.organizationId}/channels`,
      );
      expect(channels.text).not.toMatch(/eyJ|dpop/i);
      expect(channels.body.channels).toEqual([
        expect.objectContaining({
          id: channelId,
          network: 'bluesky',
          accountId: atproto.alice.did,
          handle: 'alice.test',
          connectionState: 'connected',
        }),
      ]);
      const credentials = await sealedCredentials(plain, channelId);
      expect(credentials).toMatchObject({
        auth: 'oauth',
        did: atproto.alice.did,
        authMethod: 'none',
        dpopKey: expect.objectContaining({ kty: 'EC', crv: 'P-256', d: expect.any(String) }),
      });
      // Least privilege: posts and images, not the whole account.
      expect(String(credentials.scope).split(' ')).toEqual(
        expect.arrayContaining(['atproto', 'repo:app.bsky.feed.post', 'blob:image/*']),
      );
      expect(String(credentials.scope)).not.toContain('transition:generic');

      expect(await publishAndRead(plain, ana.organizationId, ana.userId, channelId)).toBe(true);

      // An access token past its expiry is refreshed (DPoP-bound, single-use refresh token) first.
      const expired: Record<string, unknown> = {
        ...(await sealedCredentials(plain, channelId)),
        expiresAt: new Date(0).toISOString(),
      };
      await plain.sql`update channels set credentials_sealed = ${plain.secretBox.seal(JSON.stringify(expired), `channel:${channelId}`)}
        where id = ${channelId}`;
      expect(await publishAndRead(plain, ana.organizationId, ana.userId, channelId)).toBe(true);
      const refreshed = await sealedCredentials(plain, channelId);
      expect(refreshed.refreshToken).not.toBe(expired.refreshToken);
      expect(refreshed.accessToken).not.toBe(expired.accessToken);
      expect(Date.parse(String(refreshed.expiresAt))).toBeGreaterThan(Date.now());
    } finally {
      await context.close();
    }
  });

  it('connects as a confidential client over https, with its metadata and signed client assertions', async () => {
    const base = secure.url.replace('127.0.0.1', SPOOL_HOST);
    const context: BrowserContext = await browser.newContext({ ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      // Requests from inside the page: only Chromium knows where spool.test is.
      const call = (method: string, url: string, body?: unknown, csrf?: string) =>
        page.evaluate(
          async ([m, u, b, c]) => {
            const res = await fetch(u as string, {
              method: m as string,
              headers: { 'content-type': 'application/json', ...(c ? { 'x-csrf-token': c as string } : {}) },
              ...(b === undefined ? {} : { body: JSON.stringify(b) }),
            });
            return { status: res.status, body: await res.json() };
          },
          [method, url, body, csrf] as const,
        );
      const metadataResponse = await page.goto(`${base}/oauth-client-metadata.json`);
      expect(metadataResponse?.status()).toBe(200);
      const metadata = (await metadataResponse!.json()) as Record<string, unknown>;
      expect(metadata).toMatchObject({
        client_id: `${base}/oauth-client-metadata.json`,
        redirect_uris: [`${base}/api/connections/bluesky/callback`],
        token_endpoint_auth_method: 'private_key_jwt',
        dpop_bound_access_tokens: true,
        jwks: { keys: [expect.objectContaining({ kty: 'EC', crv: 'P-256', kid: expect.any(String) })] },
      });
      expect(JSON.stringify(metadata)).not.toContain('"d"');

      const email = `oauth-${Date.now()}@example.com`;
      const signUp = await call('POST', `${base}/api/auth/signup`, {
        email,
        password: 'correct horse battery staple',
        name: 'Ana',
        organizationName: 'Ana’s',
      });
      expect(signUp.status).toBe(201);
      const me = signUp.body as { csrfToken: string; organizations: { id: string }[] };
      const orgId = me.organizations[0]!.id;
      const start = await call(
        'POST',
        `${base}/api/orgs/${orgId}/channels/bluesky/authorize`,
        { handle: 'alice.test', serviceUrl: atproto.pdsUrl },
        me.csrfToken,
      );
      expect(start.status, JSON.stringify(start.body)).toBe(200);
      const { authorizationUrl } = start.body as { authorizationUrl: string };
      expect(new URL(authorizationUrl).searchParams.get('client_id')).toBe(
        `${base}/oauth-client-metadata.json`,
      );

      await page.goto(authorizationUrl);
      await signInAtPds(page, atproto.alice.password, 'Authorize');
      await page.waitForURL((url) => url.pathname === '/channels' && url.searchParams.has('connected'));
      const channelId = new URL(page.url()).searchParams.get('connected')!;
      const credentials = await sealedCredentials(secure, channelId);
      expect(credentials).toMatchObject({
        auth: 'oauth',
        authMethod: 'private_key_jwt',
        keyId: expect.any(String),
      });
      const [member] = await secure.sql<{ user_id: string }[]>`
        select user_id from memberships where organization_id = ${orgId}`;
      expect(await publishAndRead(secure, orgId, member!.user_id, channelId)).toBe(true);
    } finally {
      await context.close();
    }
  });

  it('refuses a declined sign-in, a replayed or foreign state, and a mixed-up issuer', async () => {
    const ana = await signUpUser(plain.url);
    const authorize = () =>
      ana.client.post<{ authorizationUrl: string }>(
        `/api/orgs/${ana.organizationId}/channels/bluesky/authorize`,
        {
          handle: 'alice.test',
          serviceUrl: atproto.pdsUrl,
        },
      );
    const context = await browser.newContext();
    try {
      await context.addCookies([
        { name: 'spool_session', value: ana.client.cookie('spool_session')!, url: plain.url },
      ]);
      const page = await context.newPage();
      // Declined: the PDS sends the person back with error=access_denied.
      const declined = await page.goto((await authorize()).body.authorizationUrl);
      expect(declined?.status()).toBe(200);
      const answer = page.waitForResponse((res) => res.url().includes('/api/connections/bluesky/callback'));
      await signInAtPds(page, atproto.alice.password, 'Deny access');
      const callback = await answer;
      // A browser is sent back to the channels page with the reason in words, not to a JSON error.
      expect(callback.status()).toBe(303);
      const back = new URL(callback.headers().location!, plain.url);
      expect(back.pathname).toBe('/channels');
      expect(back.searchParams.get('connect_error')).toMatch(/did not grant access/);
      await page.getByRole('alert').filter({ hasText: 'did not grant access' }).waitFor();
    } finally {
      await context.close();
    }

    // A callback naming another issuer is refused (mix-up defence), and its state cannot be replayed.
    // This browser has no Spool session, so Spool answers the callback 401 without consuming it.
    const mixed = await browser.newContext();
    try {
      const page = await mixed.newPage();
      const held = page.waitForResponse((res) => res.url().includes('/api/connections/bluesky/callback'));
      await page.goto((await authorize()).body.authorizationUrl);
      await signInAtPds(page, atproto.alice.password, 'Authorize');
      expect((await held).status()).toBe(401);
      const original = new URL((await held).url());
      expect(original.searchParams.get('iss')).toBe(new URL(atproto.pdsUrl).origin);
      const forged = new URL(original);
      forged.searchParams.set('iss', 'https://rogue-server.example');
      const mixedUp = await ana.client.get<ErrorBody>(`${forged.pathname}${forged.search}`);
      expect(mixedUp.status).toBe(400);
      expect(mixedUp.body.error.code).toBe('bluesky.issuer_mismatch');

      const replay = await ana.client.get<ErrorBody>(`${original.pathname}${original.search}`);
      expect(replay.status).toBe(400);
      expect(replay.body.error.code).toBe('bluesky.state_invalid');
    } finally {
      await mixed.close();
    }
    const unknown = await ana.client.get<ErrorBody>('/api/connections/bluesky/callback?state=nope&code=x');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('bluesky.state_invalid');
    const channels = await ana.client.get<{ channels: ChannelView[] }>(
      `/api/orgs/${ana.organizationId}/channels`,
    );
    expect(channels.body.channels).toEqual([]);
  });

  it('explains what is wrong with the account it is asked to connect', async () => {
    const ana = await signUpUser(plain.url);
    const authorize = (body: Record<string, unknown>) =>
      ana.client.post<ErrorBody>(`/api/orgs/${ana.organizationId}/channels/bluesky/authorize`, body);

    const neither = await authorize({});
    expect(neither.status).toBe(400);
    expect(JSON.stringify(neither.body.error.details)).toContain('handle');

    const badHandle = await authorize({ handle: 'not a handle', serviceUrl: atproto.pdsUrl });
    expect(badHandle.status).toBe(400);
    expect(badHandle.body.error).toMatchObject({
      code: 'bluesky.invalid_handle',
      details: { field: 'handle' },
    });

    const nobody = await authorize({ handle: 'nobody.test', serviceUrl: atproto.pdsUrl });
    expect(nobody.status).toBe(400);
    expect(nobody.body.error.code).toBe('bluesky.handle_not_found');

    const guarded = await startTestApp({ env: { BLUESKY_PLC_URL: atproto.plcUrl } });
    try {
      const ben = await signUpUser(guarded.url);
      const blocked = await ben.client.post<ErrorBody>(
        `/api/orgs/${ben.organizationId}/channels/bluesky/authorize`,
        { handle: 'alice.test', serviceUrl: atproto.pdsUrl },
      );
      expect(blocked.status).toBe(400);
      expect(blocked.body.error.code).toBe('bluesky.service_blocked');
    } finally {
      await guarded.close();
    }

    // An http Spool on a public name cannot be an OAuth client: it says so, and offers app passwords.
    const exposed = await startTestApp({
      env: { SSRF_ALLOW_PRIVATE: 'true', PUBLIC_URL: 'http://spool.example.com' },
    });
    try {
      const cy = await signUpUser(exposed.url);
      const refused = await cy.client.post<ErrorBody>(
        `/api/orgs/${cy.organizationId}/channels/bluesky/authorize`,
        { handle: 'alice.test', serviceUrl: atproto.pdsUrl },
      );
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('bluesky.oauth_needs_https');
      expect(refused.body.error.message).toMatch(/app password/);
      const metadata = await cy.client.get<ErrorBody>('/oauth-client-metadata.json');
      expect(metadata.status).toBe(404);
    } finally {
      await exposed.close();
    }
  });
});
