import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, signUpUser } from '../support/http-client.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { httpsRequest, selfSignedCertificate } from '../support/tls.ts';

/**
 * Transport and browser protections over real sockets: cookie flags and HSTS on HTTP, on HTTPS
 * served by Spool and behind a TLS-terminating proxy; the FORCE_HTTPS redirect that never touches a
 * health check; security headers; CSRF.
 */
const HSTS = 'max-age=31536000; includeSubDomains';

const newAccount = () =>
  JSON.stringify({ email: `tls-${randomBytes(5).toString('hex')}@example.com`, password: 'a long password' });

function sessionCookie(setCookies: string[]): string {
  const cookie = setCookies.find((c) => c.startsWith('spool_session='));
  if (!cookie) throw new Error(`no session cookie in ${JSON.stringify(setCookies)}`);
  return cookie;
}

function expectHttpOnlyLax(cookie: string) {
  expect(cookie).toMatch(/;\s*HttpOnly/i);
  expect(cookie).toMatch(/;\s*SameSite=Lax/i);
  expect(cookie).toMatch(/;\s*Path=\//i);
}

/** Signs up over plain HTTP with `headers` (e.g. a proxy's); returns the raw answer. */
function signUpOverHttp(t: TestApp, headers: Record<string, string> = {}) {
  return fetch(`${t.url}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: t.url, ...headers },
    body: newAccount(),
  });
}

describe('plain HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('sets an HttpOnly, SameSite=Lax session cookie without Secure, and no HSTS', async () => {
    const res = await signUpOverHttp(t);
    expect(res.status).toBe(201);
    const cookie = sessionCookie(res.headers.getSetCookie());
    expectHttpOnlyLax(cookie);
    expect(cookie).not.toMatch(/;\s*Secure/i);
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });

  it.each([
    ['an API answer', '/api/me'],
    ['an unknown route', '/no/such/page'],
    ['a health check', '/livez'],
    ['a page', '/security'],
  ])('sends CSP (frame-ancestors none), nosniff and a Referrer-Policy on %s', async (_what, path) => {
    const res = await fetch(`${t.url}${path}`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });
});

describe('HTTPS served by Spool', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ tls: await selfSignedCertificate() });
  });
  afterAll(async () => {
    await t.close();
  });

  it('sets a Secure session cookie and HSTS', async () => {
    expect(t.url).toMatch(/^https:/);
    const res = await httpsRequest(`${t.url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: t.url },
      body: newAccount(),
    });
    expect(res.status).toBe(201);
    const cookie = sessionCookie(res.setCookies);
    expectHttpOnlyLax(cookie);
    expect(cookie).toMatch(/;\s*Secure/i);
    expect(res.headers['strict-transport-security']).toBe(HSTS);
  });

  it('sends HSTS on every answer, errors and health checks included', async () => {
    for (const path of ['/livez', '/readyz', '/api/me', '/no/such/page']) {
      const res = await httpsRequest(`${t.url}${path}`);
      expect(res.headers['strict-transport-security'], path).toBe(HSTS);
    }
  });
});

describe('behind a TLS-terminating proxy', () => {
  let trusting: TestApp;
  let direct: TestApp;
  beforeAll(async () => {
    [trusting, direct] = await Promise.all([
      startTestApp({ env: { TRUST_PROXY: 'true' } }),
      startTestApp({ env: { TRUST_PROXY: 'false' } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([trusting.close(), direct.close()]);
  });

  it('with TRUST_PROXY, X-Forwarded-Proto: https gives a Secure cookie and HSTS', async () => {
    // The browser's Origin is the public https address the proxy serves.
    const origin = trusting.url.replace(/^http:/, 'https:');
    const res = await signUpOverHttp(trusting, { 'x-forwarded-proto': 'https', origin });
    expect(res.status).toBe(201);
    expect(sessionCookie(res.headers.getSetCookie())).toMatch(/;\s*Secure/i);
    expect(res.headers.get('strict-transport-security')).toBe(HSTS);
  });

  it('with TRUST_PROXY, a plain-HTTP hop (no X-Forwarded-Proto) gets neither', async () => {
    const res = await signUpOverHttp(trusting);
    expect(res.status).toBe(201);
    expect(sessionCookie(res.headers.getSetCookie())).not.toMatch(/;\s*Secure/i);
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });

  it('without TRUST_PROXY, X-Forwarded-Proto is ignored (anyone could send it)', async () => {
    const res = await signUpOverHttp(direct, { 'x-forwarded-proto': 'https' });
    expect(res.status).toBe(201);
    expect(sessionCookie(res.headers.getSetCookie())).not.toMatch(/;\s*Secure/i);
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });
});

describe('FORCE_HTTPS', () => {
  let plain: TestApp;
  let proxied: TestApp;
  let withPublicUrl: TestApp;
  let tls: TestApp;
  beforeAll(async () => {
    [plain, proxied, withPublicUrl, tls] = await Promise.all([
      startTestApp({ env: { FORCE_HTTPS: 'true' } }),
      startTestApp({ env: { FORCE_HTTPS: 'true', TRUST_PROXY: 'true' } }),
      startTestApp({ env: { FORCE_HTTPS: 'true', PUBLIC_URL: 'https://spool.example.com' } }),
      selfSignedCertificate().then((cert) => startTestApp({ env: { FORCE_HTTPS: 'true' }, tls: cert })),
    ]);
  });
  afterAll(async () => {
    await Promise.all([plain.close(), proxied.close(), withPublicUrl.close(), tls.close()]);
  });

  it.each(['/', '/api/me', '/api/me?tab=security'])(
    'redirects plain-HTTP GET %s with a 301 to https',
    async (path) => {
      const res = await fetch(`${plain.url}${path}`, { redirect: 'manual' });
      expect(res.status).toBe(301);
      expect(res.headers.get('location')).toBe(`https://127.0.0.1${path}`);
    },
  );

  it('answers every health check on plain HTTP, never redirected (the load balancer probe)', async () => {
    const healthRoutes = plain.app.routeTable.filter((r) => r.config.health && r.method === 'GET');
    expect(healthRoutes.map((r) => r.url)).toEqual(expect.arrayContaining(['/livez', '/readyz']));
    for (const route of healthRoutes) {
      const res = await fetch(`${plain.url}${route.url}`, { redirect: 'manual' });
      expect(res.status, route.url).toBe(200);
      expect(res.headers.get('location'), route.url).toBeNull();
    }
  });

  it('answers the health checks on HTTPS too, with HSTS, and does not redirect HTTPS', async () => {
    for (const path of ['/livez', '/readyz']) {
      const res = await httpsRequest(`${tls.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers['strict-transport-security']).toBe(HSTS);
    }
    const api = await httpsRequest(`${tls.url}/api/me`);
    expect(api.status).toBe(401);
  });

  it('does not redirect a request the trusted proxy received over HTTPS', async () => {
    const res = await fetch(`${proxied.url}/api/me`, {
      headers: { 'x-forwarded-proto': 'https' },
      redirect: 'manual',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('strict-transport-security')).toBe(HSTS);
  });

  it('redirects to PUBLIC_URL when it is an https address', async () => {
    const res = await fetch(`${withPublicUrl.url}/api/me?x=1`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('https://spool.example.com/api/me?x=1');
  });
});

describe('cross-site request forgery', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses a cookie-authenticated write without the right X-CSRF-Token, or from another site', async () => {
    const { client } = await signUpUser(t.url);
    const attempts: Record<string, Record<string, string>> = {
      'no token': { 'x-csrf-token': '' },
      'a wrong token': { 'x-csrf-token': `${client.csrfToken}x` },
      'another session’s token': { 'x-csrf-token': (await signUpUser(t.url)).client.csrfToken! },
      'another Origin': { origin: 'https://evil.example' },
      'Sec-Fetch-Site: cross-site': { 'sec-fetch-site': 'cross-site' },
    };
    for (const [what, headers] of Object.entries(attempts)) {
      const res = await client.post('/api/tokens', { name: 'csrf' }, headers);
      expect(res.status, what).toBe(403);
      expect(res.body, what).toMatchObject({ error: { code: 'auth.csrf_failed' } });
    }
    const count = await t.sql`select count(*)::int as n from api_tokens`;
    expect(count[0]!.n).toBe(0);
    expect((await client.post('/api/tokens', { name: 'csrf' })).status).toBe(201);
  });

  it('refuses another site’s sign-in form (login CSRF)', async () => {
    const { email, password } = await signUpUser(t.url);
    const forgeries: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of forgeries) {
      const res = await new HttpClient(t.url).post('/api/auth/signin', { email, password }, headers);
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ error: { code: 'auth.csrf_failed' } });
      expect(res.headers.getSetCookie()).toEqual([]);
    }
  });
});
