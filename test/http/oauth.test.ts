import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpClient, signUpUser } from '../support/http-client.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

const CALLBACK = 'http://127.0.0.1:9/callback';
const WEB_CALLBACK = 'https://app.example.com/oauth/callback';

interface RegisteredClient {
  client_id: string;
  client_secret?: string;
  name: string;
  redirect_uris: string[];
  confidential: boolean;
}

interface Tokens {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
  scope: string;
}

function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function unescapeHtml(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

describe('OAuth 2 authorization server (authorization code + PKCE)', () => {
  let t: TestApp;
  let owner: Awaited<ReturnType<typeof signUpUser>>;
  let publicClient: RegisteredClient;
  let webClient: RegisteredClient;

  beforeAll(async () => {
    t = await startTestApp();
    owner = await signUpUser(t.url);
    publicClient = await register(owner.client, {
      name: 'Extension <script>alert(1)</script>',
      redirect_uris: [CALLBACK],
      confidential: false,
    });
    webClient = await register(owner.client, {
      name: 'Web Scheduler',
      redirect_uris: [WEB_CALLBACK, 'https://app.example.com/other'],
      confidential: true,
    });
  });
  afterAll(async () => {
    await t.close();
  });

  async function register(client: HttpClient, body: Record<string, unknown>): Promise<RegisteredClient> {
    const res = await client.post<RegisteredClient>('/api/oauth/clients', body);
    expect(res.status, res.text).toBe(201);
    return res.body;
  }

  function authorizeQuery(params: Record<string, string>): string {
    return `/oauth/authorize?${new URLSearchParams({ response_type: 'code', ...params })}`;
  }

  /** Opens the consent page and submits it like a browser; returns the redirect's URL. */
  async function consent(
    person: HttpClient,
    params: Record<string, string>,
    decision: 'approve' | 'deny' = 'approve',
  ) {
    const page = await person.get(authorizeQuery(params));
    expect(page.status, page.text).toBe(200);
    const fields = Object.fromEntries(
      [...page.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [
        m[1]!,
        unescapeHtml(m[2]!),
      ]),
    );
    const res = await person.request(
      'POST',
      '/oauth/authorize',
      new URLSearchParams({ ...fields, decision }).toString(),
      // A real form sends no X-CSRF-Token header: only the csrf_token field.
      { 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': '' },
    );
    expect(res.status, res.text).toBe(303);
    return new URL(res.headers.get('location')!);
  }

  async function token(params: Record<string, string>, headers: Record<string, string> = {}) {
    const res = await fetch(`${t.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(params),
    });
    const body = (await res.json()) as Tokens & { error?: string; error_description?: string };
    return { status: res.status, headers: res.headers, body };
  }

  async function publicGrant(scope?: string) {
    const { verifier, challenge } = pkcePair();
    const redirect = await consent(owner.client, {
      client_id: publicClient.client_id,
      redirect_uri: CALLBACK,
      state: 'xyz',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...(scope ? { scope } : {}),
    });
    const code = redirect.searchParams.get('code')!;
    const exchange = () =>
      token({
        grant_type: 'authorization_code',
        code,
        redirect_uri: CALLBACK,
        client_id: publicClient.client_id,
        code_verifier: verifier,
      });
    return { code, verifier, exchange };
  }

  const me = (accessToken: string) => owner.client.withBearer(accessToken).get('/api/me');

  it('runs the whole flow for a public client with PKCE, and the token acts as the user', async () => {
    const { verifier, challenge } = pkcePair();
    const page = await owner.client.get(
      authorizeQuery({
        client_id: publicClient.client_id,
        redirect_uri: CALLBACK,
        state: 'st<"ate>',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }),
    );
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.text).toContain('Extension &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.text).not.toContain('<script>');
    expect(page.text).toContain(owner.email);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toMatch(/form-action 'self' http:\/\/127\.0\.0\.1:9(;|$)/);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");

    const redirect = await consent(owner.client, {
      client_id: publicClient.client_id,
      redirect_uri: CALLBACK,
      state: 'st<"ate>',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    expect(`${redirect.origin}${redirect.pathname}`).toBe(CALLBACK);
    expect(redirect.searchParams.get('state')).toBe('st<"ate>');
    const code = redirect.searchParams.get('code')!;
    expect(code).toMatch(/^spool_code_/);

    // A browser-based app on another origin calls the token endpoint directly.
    const res = await token(
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: CALLBACK,
        client_id: publicClient.client_id,
        code_verifier: verifier,
      },
      { origin: 'https://extension.example' },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.body).toEqual({
      access_token: expect.stringMatching(/^spool_oat_/),
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: expect.stringMatching(/^spool_ort_/),
      scope: 'read write',
    });
    const who = await me(res.body.access_token);
    expect(who.status).toBe(200);
    expect(who.body).toMatchObject({
      user: { id: owner.userId },
      authenticatedWith: 'token',
      scopes: ['read', 'write'],
    });
    const [expiry] = await t.sql<{ seconds: number }[]>`
      select extract(epoch from expires_at - now())::int as seconds from api_tokens where kind = 'oauth'
      order by created_at desc limit 1`;
    expect(expiry!.seconds).toBeGreaterThan(3500);
    expect(expiry!.seconds).toBeLessThanOrEqual(3600);

    const actions = await t.sql<{ action: string }[]>`
      select action from audit_events where subject_user_id = ${owner.userId} and action like 'oauth.%'`;
    expect(actions.map((a) => a.action)).toEqual(
      expect.arrayContaining(['oauth.client_created', 'oauth.authorized']),
    );
  });

  it('sends a visitor who is not signed in to sign in, then back to the same request', async () => {
    const path = authorizeQuery({ client_id: publicClient.client_id, state: 'a b' });
    const res = await fetch(`${t.url}${path}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`/signin?next=${encodeURIComponent(path)}`);
  });

  it('shows a bad client_id or redirect_uri on the page and never redirects to it', async () => {
    const { challenge } = pkcePair();
    const base = { code_challenge: challenge, code_challenge_method: 'S256', state: 's' };
    const mismatch = await owner.client.get(
      authorizeQuery({ ...base, client_id: publicClient.client_id, redirect_uri: 'https://evil.example/cb' }),
    );
    expect(mismatch.status).toBe(400);
    expect(mismatch.headers.get('location')).toBeNull();
    expect(mismatch.text).toContain('has not registered');
    expect(mismatch.text).not.toContain('evil.example');

    const unknown = await owner.client.get(
      authorizeQuery({ ...base, client_id: 'nope', redirect_uri: CALLBACK }),
    );
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('location')).toBeNull();

    // Several URIs registered and none named: the page asks, it does not guess.
    const ambiguous = await owner.client.get(authorizeQuery({ client_id: webClient.client_id }));
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.text).toContain('redirect_uri');

    // A consent form whose redirect_uri was tampered with is refused the same way.
    const tampered = await owner.client.request(
      'POST',
      '/oauth/authorize',
      new URLSearchParams({
        ...base,
        response_type: 'code',
        client_id: publicClient.client_id,
        redirect_uri: 'https://evil.example/cb',
        csrf_token: owner.client.csrfToken!,
        decision: 'approve',
      }).toString(),
      { 'content-type': 'application/x-www-form-urlencoded' },
    );
    expect(tampered.status).toBe(400);
    expect(tampered.headers.get('location')).toBeNull();
  });

  it('reports other request errors to the app by redirect, with state (RFC 6749 §4.1.2.1)', async () => {
    const { challenge } = pkcePair();
    const errorOf = async (params: Record<string, string>) => {
      const res = await owner.client.get(
        `/oauth/authorize?${new URLSearchParams({ client_id: publicClient.client_id, redirect_uri: CALLBACK, state: 'keep', ...params })}`,
      );
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location')!);
      expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
      expect(location.searchParams.get('state')).toBe('keep');
      return location.searchParams.get('error');
    };
    const s256 = { code_challenge: challenge, code_challenge_method: 'S256' };
    expect(
      await errorOf({ response_type: 'code', code_challenge: challenge, code_challenge_method: 'plain' }),
    ).toBe('invalid_request');
    expect(await errorOf({ response_type: 'code', code_challenge: challenge })).toBe('invalid_request');
    expect(await errorOf({ response_type: 'code' })).toBe('invalid_request'); // public client without PKCE
    expect(await errorOf({ response_type: 'token', ...s256 })).toBe('unsupported_response_type');
    expect(await errorOf({ response_type: 'code', scope: 'read everything', ...s256 })).toBe('invalid_scope');
  });

  it('answers access_denied when the person declines', async () => {
    const { challenge } = pkcePair();
    const redirect = await consent(
      owner.client,
      {
        client_id: publicClient.client_id,
        state: 'd1',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      },
      'deny',
    );
    expect(redirect.searchParams.get('error')).toBe('access_denied');
    expect(redirect.searchParams.get('state')).toBe('d1');
    expect(redirect.searchParams.get('code')).toBeNull();
  });

  it('requires the CSRF token as a form field on the consent form', async () => {
    const { challenge } = pkcePair();
    const form = {
      response_type: 'code',
      client_id: publicClient.client_id,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      decision: 'approve',
    };
    const post = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
      owner.client.request('POST', '/oauth/authorize', new URLSearchParams(fields).toString(), {
        'content-type': 'application/x-www-form-urlencoded',
        ...headers,
      });
    // The client sends the right X-CSRF-Token header; without the form field it is still refused.
    const missing = await post(form);
    expect(missing.status).toBe(403);
    expect(missing.body).toMatchObject({ error: { code: 'auth.csrf_failed' } });
    expect((await post({ ...form, csrf_token: 'wrong' })).status).toBe(403);
    const foreign = await post(
      { ...form, csrf_token: owner.client.csrfToken! },
      { origin: 'https://evil.example' },
    );
    expect(foreign.status).toBe(403);
    expect((await post({ ...form, csrf_token: owner.client.csrfToken! })).status).toBe(303);
  });

  it('authenticates a confidential client with HTTP Basic or the body, and refuses a wrong secret', async () => {
    const grant = async () => {
      const redirect = await consent(owner.client, {
        client_id: webClient.client_id,
        redirect_uri: WEB_CALLBACK,
      });
      return redirect.searchParams.get('code')!;
    };
    const basic = (secret: string) =>
      `Basic ${Buffer.from(`${encodeURIComponent(webClient.client_id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
    const exchange = { grant_type: 'authorization_code', redirect_uri: WEB_CALLBACK };

    const code = await grant();
    const wrong = await token({ ...exchange, code }, { authorization: basic('spool_cs_wrong') });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(wrong.body.error).toBe('invalid_client');
    const noSecret = await token({ ...exchange, code, client_id: webClient.client_id });
    expect(noSecret.status).toBe(401);
    const ok = await token({ ...exchange, code }, { authorization: basic(webClient.client_secret!) });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect((await me(ok.body.access_token)).status).toBe(200);

    const viaBody = await token({
      ...exchange,
      code: await grant(),
      client_id: webClient.client_id,
      client_secret: webClient.client_secret!,
    });
    expect(viaBody.status).toBe(200);
  });

  it('refuses a wrong PKCE verifier without burning the code', async () => {
    const { code, exchange } = await publicGrant();
    const wrong = await token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: CALLBACK,
      client_id: publicClient.client_id,
      code_verifier: pkcePair().verifier,
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('invalid_grant');
    expect((await exchange()).status).toBe(200);
  });

  it('refuses a reused code and revokes the tokens issued from it', async () => {
    const { exchange } = await publicGrant();
    const first = await exchange();
    expect(first.status).toBe(200);
    expect((await me(first.body.access_token)).status).toBe(200);
    const again = await exchange();
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
    expect((await me(first.body.access_token)).status).toBe(401);
    const refresh = await token({
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token,
      client_id: publicClient.client_id,
    });
    expect(refresh.body.error).toBe('invalid_grant');
  });

  it('refuses an expired code, a redirect_uri mismatch and another client’s code', async () => {
    const expired = await publicGrant();
    await t.sql`update oauth_authorization_codes set expires_at = now() - interval '1 second'
                where code_hash = ${createHash('sha256').update(expired.code).digest()}`;
    expect((await expired.exchange()).body.error).toBe('invalid_grant');

    const { code, verifier } = await publicGrant();
    const params = {
      grant_type: 'authorization_code',
      code,
      client_id: publicClient.client_id,
      code_verifier: verifier,
    };
    expect((await token({ ...params, redirect_uri: 'http://127.0.0.1:9/other' })).body.error).toBe(
      'invalid_grant',
    );
    const otherClient = await register(owner.client, {
      name: 'Other',
      redirect_uris: [CALLBACK],
      confidential: false,
    });
    expect(
      (await token({ ...params, redirect_uri: CALLBACK, client_id: otherClient.client_id })).body.error,
    ).toBe('invalid_grant');
  });

  it('rotates refresh tokens and revokes the chain when a rotated-out token comes back', async () => {
    const first = (await (await publicGrant()).exchange()).body;
    const refresh = (refreshToken: string, extra: Record<string, string> = {}) =>
      token({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: publicClient.client_id,
        ...extra,
      });
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect((await me(second.body.access_token)).status).toBe(200);

    const reuse = await refresh(first.refresh_token);
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe('invalid_grant');
    expect((await me(second.body.access_token)).status).toBe(401);
    expect((await refresh(second.body.refresh_token)).body.error).toBe('invalid_grant');
  });

  it('limits the access token to its scopes, and a refresh may only narrow them', async () => {
    const readOnly = (await (await publicGrant('read')).exchange()).body;
    expect(readOnly.scope).toBe('read');
    const who = await me(readOnly.access_token);
    expect(who.status).toBe(200);
    expect(who.body.scopes).toEqual(['read']);
    // Dashboard-only routes refuse every token.
    expect((await owner.client.withBearer(readOnly.access_token).get('/api/oauth/clients')).status).toBe(403);
    const widen = await token({
      grant_type: 'refresh_token',
      refresh_token: readOnly.refresh_token,
      client_id: publicClient.client_id,
      scope: 'read write',
    });
    expect(widen.body.error).toBe('invalid_scope');

    const full = (await (await publicGrant('read write')).exchange()).body;
    const narrowed = await token({
      grant_type: 'refresh_token',
      refresh_token: full.refresh_token,
      client_id: publicClient.client_id,
      scope: 'write',
    });
    expect(narrowed.body.scope).toBe('write');
    const denied = await me(narrowed.body.access_token);
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ error: { code: 'auth.insufficient_scope' } });
    // The new refresh token still carries the whole grant.
    const back = await token({
      grant_type: 'refresh_token',
      refresh_token: narrowed.body.refresh_token,
      client_id: publicClient.client_id,
    });
    expect(back.body.scope).toBe('read write');
  });

  it('revokes access and refresh tokens (RFC 7009)', async () => {
    const revoke = async (params: Record<string, string>) => {
      const res = await fetch(`${t.url}/oauth/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: publicClient.client_id, ...params }),
      });
      return { status: res.status, text: await res.text() };
    };
    const a = (await (await publicGrant()).exchange()).body;
    expect((await revoke({ token: a.access_token, token_type_hint: 'access_token' })).status).toBe(200);
    expect((await me(a.access_token)).status).toBe(401);

    const b = (await (await publicGrant()).exchange()).body;
    expect((await revoke({ token: b.refresh_token })).status).toBe(200);
    expect((await me(b.access_token)).status).toBe(401);
    const refresh = await token({
      grant_type: 'refresh_token',
      refresh_token: b.refresh_token,
      client_id: publicClient.client_id,
    });
    expect(refresh.body.error).toBe('invalid_grant');

    expect((await revoke({ token: 'spool_oat_unknown' })).status).toBe(200);
    const c = (await (await publicGrant()).exchange()).body;
    const stranger = await register(owner.client, {
      name: 'Stranger',
      redirect_uris: [CALLBACK],
      confidential: false,
    });
    const foreign = await revoke({ token: c.access_token, client_id: stranger.client_id });
    expect(foreign.status).toBe(400);
    expect((await me(c.access_token)).status).toBe(200);
  });

  it('answers malformed token requests in OAuth’s error format', async () => {
    const unsupported = await token({ grant_type: 'password', client_id: publicClient.client_id });
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.error).toBe('unsupported_grant_type');
    expect((await token({ grant_type: 'authorization_code', client_id: 'nobody' })).status).toBe(401);
    const json = await fetch(`${t.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'authorization_code' }),
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('validates redirect URIs at registration', async () => {
    for (const uri of [
      'http://app.example.com/cb',
      'https://*.example.com/cb',
      'https://app.example.com/cb#frag',
      'https://user:pw@app.example.com/cb',
      'custom-scheme:/cb',
      ' https://app.example.com/cb',
    ]) {
      const res = await owner.client.post('/api/oauth/clients', {
        name: 'Bad',
        redirect_uris: [uri],
        confidential: false,
      });
      expect(res.status, uri).toBe(400);
    }
    for (const uri of ['http://localhost:8080/cb', 'http://[::1]/cb', 'https://app.example.com/cb?x=1']) {
      const res = await owner.client.post('/api/oauth/clients', {
        name: 'Ok',
        redirect_uris: [uri],
        confidential: false,
      });
      expect(res.status, uri).toBe(201);
    }
  });

  it('stores secrets only as hashes', async () => {
    const { exchange, code } = await publicGrant();
    const tokens = (await exchange()).body;
    const dump = async (table: string) =>
      (await t.sql.unsafe<{ row: string }[]>(`select row_to_json(t)::text as row from ${table} t`))
        .map((r) => r.row)
        .join('\n');
    const everything = [
      await dump('oauth_clients'),
      await dump('oauth_authorization_codes'),
      await dump('oauth_refresh_tokens'),
      await dump('api_tokens'),
    ].join('\n');
    for (const secret of [webClient.client_secret!, code, tokens.access_token, tokens.refresh_token]) {
      expect(everything).not.toContain(secret);
      // The random part alone (it is base64url and may itself contain "_").
      expect(everything).not.toContain(secret.replace(/^spool_[a-z]+_/, ''));
    }
    const [row] = await t.sql<{ client_secret_hash: Buffer }[]>`
      select client_secret_hash from oauth_clients where client_id = ${webClient.client_id}`;
    expect(row!.client_secret_hash).toEqual(createHash('sha256').update(webClient.client_secret!).digest());
    const listed = await owner.client.get('/api/oauth/clients');
    expect(listed.text).not.toContain(webClient.client_secret!);
  });

  it('keeps clients private to their owner; removing one ends its tokens', async () => {
    const other = await signUpUser(t.url);
    const mine = await register(owner.client, {
      name: 'Doomed',
      redirect_uris: [CALLBACK],
      confidential: false,
    });
    const theirs = await other.client.get<{ clients: RegisteredClient[] }>('/api/oauth/clients');
    expect(theirs.body.clients).toEqual([]);
    const steal = await other.client.delete(`/api/oauth/clients/${mine.client_id}`);
    expect(steal.status).toBe(404);
    expect(steal.body).toMatchObject({ error: { code: 'oauth.client_not_found' } });

    const ours = await owner.client.get<{ clients: RegisteredClient[] }>('/api/oauth/clients');
    expect(ours.body.clients.map((c) => c.client_id)).toContain(mine.client_id);
    expect(ours.body.clients.every((c) => !('client_secret' in c))).toBe(true);

    // The other person authorizes the app, then its owner removes it.
    const { verifier, challenge } = pkcePair();
    const redirect = await consent(other.client, {
      client_id: mine.client_id,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const issued = await token({
      grant_type: 'authorization_code',
      code: redirect.searchParams.get('code')!,
      client_id: mine.client_id,
      code_verifier: verifier,
    });
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    const apps = await other.client.get<{ apps: { client_id: string }[] }>('/api/oauth/authorizations');
    expect(apps.body.apps.map((a) => a.client_id)).toEqual([mine.client_id]);

    expect((await owner.client.delete(`/api/oauth/clients/${mine.client_id}`)).status).toBe(204);
    expect((await other.client.withBearer(issued.body.access_token).get('/api/me')).status).toBe(401);
    const refresh = await token({
      grant_type: 'refresh_token',
      refresh_token: issued.body.refresh_token,
      client_id: mine.client_id,
    });
    expect(refresh.status).toBe(401);
    expect(refresh.body.error).toBe('invalid_client');
    expect((await owner.client.delete(`/api/oauth/clients/${mine.client_id}`)).status).toBe(404);
  });

  it('lets a person end an app’s access to their account', async () => {
    const tokens = (await (await publicGrant()).exchange()).body;
    const ended = await owner.client.delete(`/api/oauth/authorizations/${publicClient.client_id}`);
    expect(ended.status).toBe(204);
    expect((await me(tokens.access_token)).status).toBe(401);
    const refresh = await token({
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: publicClient.client_id,
    });
    expect(refresh.body.error).toBe('invalid_grant');
    expect((await owner.client.delete(`/api/oauth/authorizations/${publicClient.client_id}`)).status).toBe(
      404,
    );
  });
});
