import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGN_IN_LIMITS } from '../../src/domain/accounts/sign-in.ts';
import { HttpClient, type HttpResult, signUpUser } from '../support/http-client.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/** Sign-in throttling (per account and per client address) and the per-token API rate limit. */

function expectThrottled(res: HttpResult, maxSeconds: number) {
  expect(res.status).toBe(429);
  expect(res.body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(maxSeconds);
}

describe('sign-in throttling', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Behind a trusted proxy, so each test signs in from its own client address (X-Forwarded-For).
    t = await startTestApp({ env: { TRUST_PROXY: 'true' } });
  });
  afterAll(async () => {
    await t.close();
  });

  const from = (ip: string) => new HttpClient(t.url, { headers: { 'x-forwarded-for': ip } });
  const signIn = (client: HttpClient, email: string, password: string) =>
    client.post('/api/auth/signin', { email, password });
  const window = SIGN_IN_LIMITS.windowSeconds;

  it('after 5 failed sign-ins, the 6th is refused with 429 and Retry-After, even with the right password', async () => {
    expect(SIGN_IN_LIMITS.perAccount).toBe(5);
    const { email, password } = await signUpUser(t.url);
    const browser = from('203.0.113.10');
    for (let i = 1; i <= 5; i++) {
      const res = await signIn(browser, email, `wrong password ${i}`);
      expect(res.status, `attempt ${i}`).toBe(401);
    }
    const sixth = await signIn(browser, email, password);
    expectThrottled(sixth, window);
    expect(sixth.body).toMatchObject({ error: { code: 'auth.too_many_attempts' } });
    expect(sixth.headers.getSetCookie()).toEqual([]);
    // The limit belongs to the account: another address does not get around it, in any letter case.
    expectThrottled(await signIn(from('203.0.113.11'), email.toUpperCase(), password), window);
  });

  it('limits failed sign-ins per client address, across accounts', async () => {
    const attacker = from('203.0.113.20');
    for (let i = 1; i <= SIGN_IN_LIMITS.perIp; i++) {
      const res = await signIn(
        attacker,
        `nobody-${i}-${randomBytes(3).toString('hex')}@example.com`,
        'guess',
      );
      expect(res.status, `attempt ${i}`).toBe(401);
    }
    const { email, password } = await signUpUser(t.url);
    const blocked = await signIn(attacker, email, password);
    expectThrottled(blocked, window);
    expect(blocked.body).toMatchObject({ error: { code: 'auth.too_many_attempts' } });
    // The account itself is fine from anywhere else.
    expect((await signIn(from('203.0.113.21'), email, password)).status).toBe(200);
  });

  it('a successful sign-in resets the account’s counter', async () => {
    const { email, password } = await signUpUser(t.url);
    const browser = from('203.0.113.30');
    for (let i = 1; i <= 4; i++) expect((await signIn(browser, email, 'wrong password')).status).toBe(401);
    expect((await signIn(browser, email, password)).status).toBe(200);
    // A full allowance again: five more failures are answered 401, only the sixth is throttled.
    for (let i = 1; i <= 5; i++) {
      expect((await signIn(browser, email, 'wrong password')).status, `attempt ${i}`).toBe(401);
    }
    expectThrottled(await signIn(browser, email, password), window);
  });
});

describe('API token rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { API_RATE_LIMIT_PER_MINUTE: '5' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers the 6th request in a minute with 429, RateLimit-* and Retry-After; other tokens go on', async () => {
    const { client } = await signUpUser(t.url);
    const tokenOf = async (name: string) =>
      (await client.post<{ token: string }>('/api/tokens', { name })).body.token;
    const busy = new HttpClient(t.url).withBearer(await tokenOf('busy script'));
    const quiet = new HttpClient(t.url).withBearer(await tokenOf('quiet script'));

    for (let i = 1; i <= 5; i++) {
      const res = await busy.get('/api/me');
      expect(res.status, `request ${i}`).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBe('5');
      expect(res.headers.get('ratelimit-remaining')).toBe(String(5 - i));
    }
    const sixth = await busy.get('/api/me');
    expectThrottled(sixth, 60);
    expect(sixth.body).toMatchObject({ error: { code: 'rate_limited' } });
    expect(sixth.headers.get('ratelimit-limit')).toBe('5');
    expect(sixth.headers.get('ratelimit-remaining')).toBe('0');
    const reset = Number(sixth.headers.get('ratelimit-reset'));
    expect(reset).toBeGreaterThan(0);
    expect(reset).toBeLessThanOrEqual(60);
    // Writes through the same token are limited too.
    expect((await busy.post('/api/orgs', { name: 'More' })).status).toBe(429);

    const other = await quiet.get('/api/me');
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit-remaining')).toBe('4');
    // The person's own dashboard session is not held back by their script.
    expect((await client.get('/api/me')).status).toBe(200);
  });
});
