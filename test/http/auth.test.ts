import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, signUpUser } from '../support/http-client.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

describe('accounts: sign-up, sign-in, sessions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('signs up, sets an HttpOnly SameSite=Lax session cookie (not Secure on plain HTTP), and answers /api/me', async () => {
    const client = new HttpClient(t.url);
    const res = await client.post('/api/auth/signup', {
      email: 'Ana@Example.com',
      password: 'a long enough password',
      name: 'Ana',
      organizationName: 'Ana Bakery',
    });
    expect(res.status).toBe(201);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('spool_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i);
    const me = await client.get<{ user: { email: string }; organizations: { name: string; role: string }[] }>(
      '/api/me',
    );
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe('ana@example.com');
    expect(me.body.organizations).toEqual([expect.objectContaining({ name: 'Ana Bakery', role: 'owner' })]);
  });

  it('refuses a second account with the same email, in any case', async () => {
    const res = await new HttpClient(t.url).post('/api/auth/signup', {
      email: 'ANA@example.com',
      password: 'another long password',
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: { code: 'user.email_taken' } });
  });

  it('explains every invalid field at once', async () => {
    const res = await new HttpClient(t.url).post<{ error: { code: string; message: string } }>(
      '/api/auth/signup',
      {
        email: 'not-an-email',
        password: 'short',
      },
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('request.invalid');
    expect(res.body.error.message).toMatch(/body\.email: must be an email address/);
    expect(res.body.error.message).toMatch(/body\.password: must be at least 10 characters/);
  });

  it('signs in with the right password, rotates the session, and signs out', async () => {
    const { email, password, client: first } = await signUpUser(t.url);
    const before = first.cookie('spool_session');
    const signin = await first.post('/api/auth/signin', { email, password });
    expect(signin.status).toBe(200);
    expect(first.cookie('spool_session')).not.toBe(before);
    // The old session is gone.
    const stale = new HttpClient(t.url, { headers: { cookie: `spool_session=${before}` } });
    expect((await stale.get('/api/me')).status).toBe(401);

    expect((await first.post('/api/auth/signout')).status).toBe(204);
    expect((await first.get('/api/me')).status).toBe(401);
  });

  it('rejects a wrong password without saying which part was wrong', async () => {
    const { email } = await signUpUser(t.url);
    const res = await new HttpClient(t.url).post('/api/auth/signin', { email, password: 'wrong password!' });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: { code: 'auth.invalid_credentials', message: 'The email address or password is not right.' },
    });
  });

  it('rejects cookie-authenticated writes without the CSRF token or from another origin', async () => {
    const { client } = await signUpUser(t.url);
    const noToken = await client.post('/api/tokens', { name: 'x' }, { 'x-csrf-token': '' });
    expect(noToken.status).toBe(403);
    expect(noToken.body).toMatchObject({ error: { code: 'auth.csrf_failed' } });
    const otherSite = await client.post('/api/tokens', { name: 'x' }, { origin: 'https://evil.example' });
    expect(otherSite.status).toBe(403);
    const ok = await client.post('/api/tokens', { name: 'x' });
    expect(ok.status).toBe(201);
  });

  it('a bearer token needs no CSRF token, and its scopes limit it', async () => {
    const { client } = await signUpUser(t.url);
    const created = await client.post<{ token: string }>('/api/tokens', { name: 'script', scopes: ['read'] });
    const api = new HttpClient(t.url).withBearer(created.body.token);
    const me = await api.get('/api/me');
    expect(me.status).toBe(200);
    expect(me.body).not.toHaveProperty('csrfToken');
    expect(me.headers.get('ratelimit-limit')).toBe('60');
    // Tokens are managed from the dashboard only.
    const create = await api.post('/api/tokens', { name: 'another' });
    expect(create.status).toBe(403);
    expect(create.body).toMatchObject({ error: { code: 'auth.session_required' } });
    const bad = await new HttpClient(t.url).withBearer('spool_pat_nope').get('/api/me');
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toMatch(/invalid_token/);
  });

  it('stores only hashes of passwords, sessions and tokens', async () => {
    const { client, email, password } = await signUpUser(t.url);
    const { body } = await client.post<{ token: string }>('/api/tokens', { name: 'raw-check' });
    const [user] = await t.sql`select password_hash from users where email = ${email}`;
    expect(user!.password_hash).toMatch(/^\$argon2id\$/);
    expect(user!.password_hash).not.toContain(password);
    const sessions = await t.sql`select token_hash from sessions`;
    for (const s of sessions) expect(Buffer.from(s.token_hash).toString('utf8')).not.toContain('spool_ses_');
    const dump = JSON.stringify(await t.sql`select * from api_tokens`);
    expect(dump).not.toContain(body.token);
    expect(dump).not.toContain(body.token.slice(-20));
  });
});
