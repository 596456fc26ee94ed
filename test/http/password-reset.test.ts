import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxMailer } from '../../src/mail/outbox-mailer.ts';
import { HttpClient, signUpUser } from '../support/http-client.ts';
import { parseMail, type SmtpSink, startSmtpSink } from '../support/smtp-sink.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

const PUBLIC_URL = 'https://spool.example.test';
const NEW_PASSWORD = 'a brand new password';

function tokenFrom(text: string, base = PUBLIC_URL): string {
  const escaped = base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`${escaped}/reset-password\\?token=(spool_reset_[A-Za-z0-9_-]+)`).exec(text);
  if (!match) throw new Error(`no reset link in:\n${text}`);
  return match[1]!;
}

describe('password reset over SMTP', () => {
  let sink: SmtpSink;
  let t: TestApp;
  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp({ env: { SMTP_URL: sink.url, PUBLIC_URL } });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  async function requestReset(email: string) {
    return new HttpClient(t.url).post('/api/auth/password-reset', { email });
  }

  async function resetLinkFor(email: string): Promise<string> {
    const after = sink.messages.length;
    expect((await requestReset(email)).status).toBe(202);
    const mail = await sink.waitForMessage(email, { after });
    expect(mail.subject).toBe('Reset your Spool password');
    const token = tokenFrom(mail.text);
    expect(tokenFrom(mail.html ?? '')).toBe(token);
    return token;
  }

  it('resets the password with a single-use link, signs out every session and keeps an audit trail', async () => {
    const user = await signUpUser(t.url);
    const laptop = new HttpClient(t.url);
    expect(
      (await laptop.post('/api/auth/signin', { email: user.email, password: user.password })).status,
    ).toBe(200);
    const token = await resetLinkFor(user.email);
    // Only a hash is stored.
    const stored = await t.sql`select token_hash from password_reset_tokens where user_id = ${user.userId}`;
    expect(stored).toHaveLength(1);
    expect(Buffer.from(stored[0]!.token_hash).toString('utf8')).not.toContain(token);

    const confirm = await new HttpClient(t.url).post('/api/auth/password-reset/confirm', {
      token,
      newPassword: NEW_PASSWORD,
    });
    expect(confirm.status).toBe(204);

    expect((await user.client.get('/api/me')).status).toBe(401);
    expect((await laptop.get('/api/me')).status).toBe(401);
    const oldPassword = await new HttpClient(t.url).post('/api/auth/signin', {
      email: user.email,
      password: user.password,
    });
    expect(oldPassword.status).toBe(401);
    const newPassword = await new HttpClient(t.url).post('/api/auth/signin', {
      email: user.email,
      password: NEW_PASSWORD,
    });
    expect(newPassword.status).toBe(200);

    const again = await new HttpClient(t.url).post<{ error: { code: string; message: string } }>(
      '/api/auth/password-reset/confirm',
      { token, newPassword: 'yet another password' },
    );
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('password_reset.invalid_token');
    expect(again.body.error.message).toMatch(/already been used.*Ask for a new link/);

    const actions = await t.sql<{ action: string }[]>`
      select action from audit_events where subject_user_id = ${user.userId} order by id`;
    expect(actions.map((a) => a.action)).toEqual(
      expect.arrayContaining(['user.password_reset_requested', 'user.password_reset']),
    );
  });

  it('answers the same for an unknown address, and sends nothing there', async () => {
    const user = await signUpUser(t.url);
    const unknown = await requestReset('nobody-here@example.com');
    const known = await requestReset(user.email);
    expect(unknown.status).toBe(202);
    expect(known.status).toBe(202);
    expect(unknown.text).toBe(known.text);
    expect(unknown.body).toEqual({ message: expect.stringMatching(/If an account uses this email address/) });
    await sink.waitForMessage(user.email);
    expect(sink.messages.some((m) => m.to.includes('nobody-here@example.com'))).toBe(false);
  });

  it('refuses an expired link and says so', async () => {
    const user = await signUpUser(t.url);
    const token = await resetLinkFor(user.email);
    await t.sql`update password_reset_tokens set expires_at = now() - interval '1 second' where user_id = ${user.userId}`;
    const res = await new HttpClient(t.url).post<{ error: { code: string; message: string } }>(
      '/api/auth/password-reset/confirm',
      { token, newPassword: NEW_PASSWORD },
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'password_reset.invalid_token' });
    expect(res.body.error.message).toMatch(/expired/);
    // The password did not change.
    expect(
      (await new HttpClient(t.url).post('/api/auth/signin', { email: user.email, password: user.password }))
        .status,
    ).toBe(200);
  });

  it('a used link voids the other outstanding links of the same person', async () => {
    const user = await signUpUser(t.url);
    const first = await resetLinkFor(user.email);
    const second = await resetLinkFor(user.email);
    expect(first).not.toBe(second);
    const ok = await new HttpClient(t.url).post('/api/auth/password-reset/confirm', {
      token: second,
      newPassword: NEW_PASSWORD,
    });
    expect(ok.status).toBe(204);
    const stale = await new HttpClient(t.url).post('/api/auth/password-reset/confirm', {
      token: first,
      newPassword: 'someone else wants in',
    });
    expect(stale.status).toBe(400);
    expect(stale.body).toMatchObject({ error: { code: 'password_reset.invalid_token' } });
  });

  it('refuses unknown tokens and weak new passwords with clear errors', async () => {
    const unknown = await new HttpClient(t.url).post<{ error: { code: string; message: string } }>(
      '/api/auth/password-reset/confirm',
      { token: 'spool_reset_made-up', newPassword: NEW_PASSWORD },
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('password_reset.invalid_token');
    expect(unknown.body.error.message).toMatch(/not valid/);
    const weak = await new HttpClient(t.url).post<{ error: { code: string; message: string } }>(
      '/api/auth/password-reset/confirm',
      { token: 'spool_reset_made-up', newPassword: 'short' },
    );
    expect(weak.status).toBe(400);
    expect(weak.body.error.code).toBe('request.invalid');
    expect(weak.body.error.message).toMatch(/newPassword: must be at least 10 characters/);
  });

  it('limits requests per address, the same way whether or not the account exists', async () => {
    const user = await signUpUser(t.url);
    for (const email of [user.email, 'ghost@example.com']) {
      for (let i = 0; i < 3; i++) expect((await requestReset(email)).status).toBe(202);
      const limited = await requestReset(email);
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({ error: { code: 'password_reset.too_many_requests' } });
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });
});

describe('password reset without SMTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('writes the email to the outbox, with a link to the address the request came to', async () => {
    const user = await signUpUser(t.url);
    expect((await new HttpClient(t.url).post('/api/auth/password-reset', { email: user.email })).status).toBe(
      202,
    );
    const outbox = t.mailer as OutboxMailer;
    expect(outbox).toBeInstanceOf(OutboxMailer);
    let entries = await outbox.list();
    for (let i = 0; entries.length === 0 && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 50));
      entries = await outbox.list();
    }
    expect(entries).toHaveLength(1);
    const mail = parseMail((await outbox.read(entries[0]!.id))!);
    expect(mail.headers.get('to')).toBe(user.email);
    const token = tokenFrom(mail.text, t.url);
    expect((await fs.readdir(outbox.directory)).length).toBe(1);
    const res = await new HttpClient(t.url).post('/api/auth/password-reset/confirm', {
      token,
      newPassword: NEW_PASSWORD,
    });
    expect(res.status).toBe(204);
  });

  it('limits requests per client address across many email addresses', async () => {
    const used = 1; // the request of the test above, from the same address
    for (let i = used; i < 20; i++) {
      const res = await new HttpClient(t.url).post('/api/auth/password-reset', {
        email: `spray${i}@example.com`,
      });
      expect(res.status).toBe(202);
    }
    const limited = await new HttpClient(t.url).post('/api/auth/password-reset', {
      email: 'spray-last@example.com',
    });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ error: { code: 'password_reset.too_many_requests' } });
  });
});
