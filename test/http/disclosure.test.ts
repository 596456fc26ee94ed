import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/** Vulnerability disclosure: security.txt (RFC 9116), the policy page and the hall of fame. */
describe('disclosure pages', () => {
  let db: TestDatabase;
  let configured: TestApp;
  let defaults: TestApp;
  let dir: string;
  let hallOfFame: string;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-disclosure-'));
    hallOfFame = path.join(dir, 'hall-of-fame.json');
    db = await createTestDatabase();
    configured = await startTestApp({
      db,
      env: {
        SECURITY_CONTACT: 'security@spool.example, https://spool.example/report',
        PUBLIC_URL: 'https://spool.example/',
        HALL_OF_FAME_FILE: hallOfFame,
      },
    });
    defaults = await startTestApp({ db });
  });
  afterAll(async () => {
    await configured?.close();
    await defaults?.close();
    await db?.drop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const fields = (text: string) =>
    text
      .trim()
      .split('\n')
      .map((line) => {
        const at = line.indexOf(': ');
        return [line.slice(0, at), line.slice(at + 2)] as const;
      });

  it('serves security.txt with the RFC 9116 fields, absolute URLs from PUBLIC_URL and a Canonical', async () => {
    const res = await fetch(`${configured.url}/.well-known/security.txt`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const text = await res.text();
    const lines = fields(text);
    expect(lines.filter(([k]) => k === 'Contact').map(([, v]) => v)).toEqual([
      'mailto:security@spool.example',
      'https://spool.example/report',
    ]);
    const value = (name: string) => lines.find(([k]) => k === name)?.[1];
    expect(value('Policy')).toBe('https://spool.example/security');
    expect(value('Acknowledgments')).toBe('https://spool.example/security/hall-of-fame');
    expect(value('Preferred-Languages')).toBe('en');
    expect(value('Canonical')).toBe('https://spool.example/.well-known/security.txt');
    const expires = Date.parse(value('Expires')!);
    const yearAhead = Date.now() + 365 * 24 * 3600 * 1000;
    expect(Math.abs(expires - yearAhead)).toBeLessThan(60_000);
    expect(value('Expires')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
  });

  it('without PUBLIC_URL, points at the address it was reached on and gives no Canonical', async () => {
    const text = await (await fetch(`${defaults.url}/.well-known/security.txt`)).text();
    const lines = new Map(fields(text));
    expect(lines.get('Contact')).toBe('mailto:security@localhost');
    expect(lines.get('Policy')).toBe(`${defaults.url}/security`);
    expect(lines.get('Acknowledgments')).toBe(`${defaults.url}/security/hall-of-fame`);
    expect(lines.has('Canonical')).toBe(false);
  });

  it('serves the policy page as HTML with the contact, without signing in', async () => {
    const res = await fetch(`${configured.url}/security`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toContain('<h1>Security policy</h1>');
    expect(html).toContain('href="mailto:security@spool.example"');
    expect(html).toContain('href="https://spool.example/report"');
    expect(html).toMatch(/within 3 working days/);
    expect(html).toContain('href="/security/hall-of-fame"');
  });

  it('lists the hall of fame newest first and escapes a hostile entry', async () => {
    await fs.writeFile(
      hallOfFame,
      JSON.stringify([
        { name: 'Ana', url: 'https://ana.example/', date: '2024-05-01', summary: 'Found a missing check.' },
        {
          name: '<script>alert(1)</script>',
          url: 'https://evil.example/"><script>alert(2)</script>',
          date: '2025-01-02',
          summary: '<img src=x onerror=alert(3)> & more',
        },
        { name: 'Mallory', url: 'javascript:alert(4)', date: '2025-02-03', summary: 'Link that runs code' },
        { name: 'No date', summary: 'missing its date' },
      ]),
    );
    const res = await fetch(`${configured.url}/security/hall-of-fame`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('javascript:');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(3)&gt; &amp; more');
    // The invalid entries (a javascript: link, a missing date) are left out; the rest are listed newest first.
    expect(html).not.toContain('Mallory');
    expect(html).not.toContain('No date');
    expect(html.indexOf('2025-01-02')).toBeLessThan(html.indexOf('2024-05-01'));
    expect(html).toContain('<a href="https://ana.example/" rel="nofollow noopener noreferrer">Ana</a>');
    // The page is as strict as the rest of the app: no script may run even if something slipped through.
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
  });

  it('shows an empty list (never a 500) when the file is missing, not JSON, or not a list', async () => {
    for (const content of [undefined, '{ not json', '{"entries": []}']) {
      if (content === undefined) await fs.rm(hallOfFame, { force: true });
      else await fs.writeFile(hallOfFame, content);
      const res = await fetch(`${configured.url}/security/hall-of-fame`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('No one is listed yet');
    }
  });

  it('ships a valid, empty example list and serves the page without configuration', async () => {
    const shipped = JSON.parse(await fs.readFile(path.resolve('docs/hall-of-fame.json'), 'utf8'));
    expect(shipped).toEqual([]);
    const res = await fetch(`${defaults.url}/security/hall-of-fame`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<h1>Security hall of fame</h1>');
  });
});
