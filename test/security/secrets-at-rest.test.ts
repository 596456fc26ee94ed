import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannel } from '../../src/domain/channels/create-channel.ts';
import { postingScheduleSchema } from '../../src/domain/schedule/schedule.ts';
import { outboxDirectory } from '../../src/mail/create-mailer.ts';
import { HttpClient, signUpUser } from '../support/http-client.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

/**
 * Reads the raw rows of every table after creating one of each secret the product issues or keeps,
 * so a new table or column that stores a secret in plaintext fails here without a new test.
 */

/** Column names that suggest a secret; each such column must hold a hash or a sealed value. */
const SECRET_COLUMN = /token|secret|credential|password/i;

/** Secret-sounding columns that hold no secret, and why. */
const NOT_SECRETS: Record<string, string> = {
  // Compared against the X-CSRF-Token header; useless without the HttpOnly session cookie.
  'sessions.csrf_token': 'the per-session CSRF token',
};

const TEXT_TYPES = new Set(['text', 'character varying', 'bytea', 'json', 'jsonb', 'ARRAY']);

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

/** Waits for an email to `to` in the outbox folder and returns the token it carries. */
async function tokenMailedTo(to: string, pattern: RegExp): Promise<string> {
  const dir = outboxDirectory(t.config);
  for (let waited = 0; waited < 5_000; waited += 50) {
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.endsWith('.eml'))) {
      // Undo quoted-printable soft line breaks so a long link reads as one line.
      const text = (await fs.readFile(`${dir}/${name}`, 'utf8')).replace(/=\r?\n/g, '');
      const match = text.includes(to) ? pattern.exec(text) : null;
      if (match) return match[0];
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no email to ${to} carrying ${pattern}`);
}

interface Column {
  table: string;
  column: string;
  type: string;
}

async function textColumns(): Promise<Column[]> {
  const rows = await t.sql<{ table_name: string; column_name: string; data_type: string }[]>`
    select c.table_name, c.column_name, c.data_type
    from information_schema.columns c
    join information_schema.tables tb on tb.table_schema = c.table_schema and tb.table_name = c.table_name
    where c.table_schema = 'public' and tb.table_type = 'BASE TABLE'
    order by c.table_name, c.ordinal_position`;
  return rows
    .filter((r) => TEXT_TYPES.has(r.data_type))
    .map((r) => ({ table: r.table_name, column: r.column_name, type: r.data_type }));
}

/** Every way a stored value could spell a secret: as text, hex or base64 of its bytes. */
function spellings(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (Buffer.isBuffer(value)) {
    return [
      value.toString('utf8'),
      value.toString('hex'),
      value.toString('base64'),
      value.toString('base64url'),
    ];
  }
  return [typeof value === 'string' ? value : JSON.stringify(value)];
}

/** What a value in a secret column may be: a SHA-256 digest, an argon2id hash or a sealed secret. */
function protectedForm(value: unknown, currentKeyId: string): boolean {
  if (Buffer.isBuffer(value)) return value.length === 32;
  if (typeof value !== 'string') return false;
  if (value.startsWith('$argon2id$')) return true;
  const [version, keyId, iv, body] = value.split('.');
  return version === 'v1' && keyId === currentKeyId && !!iv && !!body && value.split('.').length === 4;
}

describe('secrets at rest', () => {
  it('keeps no secret in plaintext in any row, and only hashes or sealed values in secret columns', async () => {
    const { client, email, password, organizationId } = await signUpUser(t.url);
    const sessionToken = client.cookie('spool_session')!;
    // With Idempotency-Key headers, so a stored replay of an answer that shows a secret would show up.
    const once = () => ({ 'idempotency-key': randomUUID() });
    const pat = (await client.post<{ token: string }>('/api/tokens', { name: 'scan' }, once())).body.token;
    const app = await client.post<{ client_secret: string }>(
      '/api/oauth/clients',
      { name: 'Scanner', redirect_uris: ['https://app.example/callback'], confidential: true },
      once(),
    );
    expect(app.status).toBe(201);
    const invitee = `invitee-${randomBytes(4).toString('hex')}@example.com`;
    const invited = await client.post(`/api/orgs/${organizationId}/invitations`, {
      email: invitee,
      role: 'editor',
    });
    expect(invited.status).toBe(201);
    const reset = await new HttpClient(t.url).post('/api/auth/password-reset', { email });
    expect(reset.status).toBeLessThan(300);
    const webhook = await client.post<{ secret: string }>(
      `/api/orgs/${organizationId}/webhooks`,
      { url: 'https://hooks.example.com/spool', events: ['post.published'] },
      once(),
    );
    expect(webhook.status).toBe(201);
    const social = {
      accessJwt: `social-access-${randomBytes(24).toString('hex')}`,
      refreshJwt: `social-refresh-${randomBytes(24).toString('hex')}`,
    };
    await createChannel(t.sql, t.secretBox, {
      organizationId,
      network: 'bluesky',
      accountId: 'did:plc:scan',
      handle: 'scan.example.com',
      displayName: 'Scan',
      schedule: postingScheduleSchema.parse({ timezone: 'UTC', days: {} }),
      credentials: social,
    });

    const secrets: Record<string, string> = {
      password,
      'session cookie': sessionToken,
      'personal access token': pat,
      'OAuth client secret': app.body.client_secret,
      'invitation token': await tokenMailedTo(invitee, /spool_inv_[A-Za-z0-9_-]{20,}/),
      'password reset token': await tokenMailedTo(email, /spool_reset_[A-Za-z0-9_-]{20,}/),
      'social access token': social.accessJwt,
      'social refresh token': social.refreshJwt,
      'webhook signing secret': webhook.body.secret,
    };
    // The random part of a prefixed token is the secret; look for it alone too.
    for (const [name, secret] of Object.entries(secrets)) {
      // The random part alone: base64url, so it may itself contain "_"; cut by the known prefix.
      if (secret.startsWith('spool_'))
        secrets[`${name} (random part)`] = secret.replace(/^spool_[a-z]+_/, '');
    }

    const leaks: string[] = [];
    const unprotected: string[] = [];
    const columns = await textColumns();
    const tables = [...new Set(columns.map((c) => c.table))];
    for (const table of tables) {
      const rows = await t.sql.unsafe(`select * from "${table}"`);
      for (const row of rows) {
        for (const { column } of columns.filter((c) => c.table === table)) {
          const value = (row as Record<string, unknown>)[column];
          for (const text of spellings(value)) {
            for (const [name, secret] of Object.entries(secrets)) {
              if (text.includes(secret)) leaks.push(`${table}.${column} holds the ${name}`);
            }
          }
          const key = `${table}.${column}`;
          const secretColumn = SECRET_COLUMN.test(column) && !(key in NOT_SECRETS);
          if (secretColumn && value !== null && !protectedForm(value, t.secretBox.currentKeyId)) {
            unprotected.push(`${key} holds a value that is neither a hash nor sealed`);
          }
        }
      }
    }
    expect([...new Set(leaks)]).toEqual([]);
    expect([...new Set(unprotected)]).toEqual([]);

    // The fixture reached the tables it was meant to (so the scan above looked at real secrets).
    const [counts] = await t.sql<
      { tokens: number; channels: number; invitations: number; resets: number; webhooks: number }[]
    >`
      select (select count(*)::int from api_tokens) as tokens,
             (select count(*)::int from webhooks) as webhooks,
             (select count(*)::int from channels where credentials_sealed is not null) as channels,
             (select count(*)::int from invitations) as invitations,
             (select count(*)::int from password_reset_tokens) as resets`;
    expect(counts).toEqual({ tokens: 1, channels: 1, invitations: 1, resets: 1, webhooks: 1 });
  });
});
