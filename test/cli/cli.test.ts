import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  rotateSecrets,
  SealedColumnRegistry,
  type SealedRow,
} from '../../src/domain/accounts/rotate-secrets.ts';
import { signUp } from '../../src/domain/accounts/sign-up.ts';
import { verifyPassword } from '../../src/security/passwords.ts';
import { keyId, parseSecretKey, SecretBox } from '../../src/security/secret-box.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { HttpClient } from '../support/http-client.ts';
import { runSpool } from '../support/spool-process.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `spool` command to the end, keeping its standard output and error apart. */
function spool(args: string[], env: Record<string, string>, stdin?: string): Promise<Finished> {
  const { child } = runSpool(args, env, stdin);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

const PASSWORD = 'correct horse battery staple';
const STACK_FRAME = /^\s+at /m;

describe('spool user, token and secrets commands on a shared database', () => {
  let db: TestDatabase;
  let t: TestApp;
  let env: Record<string, string>;
  const key = randomBytes(32);

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp({ db });
    env = { DATABASE_URL: db.url, SPOOL_SECRET_KEY: key.toString('hex') };
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('user create reads the password from standard input and the person can sign in with it', async () => {
    const run = await spool(
      [
        'user',
        'create',
        '--email',
        'Ana@Example.com',
        '--password-stdin',
        '--name',
        'Ana',
        '--org',
        'Ana Bakery',
      ],
      env,
      `${PASSWORD}\n`,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [, userId] = run.stdout.match(/Created user ana@example\.com \(id ([0-9a-f-]{36})\)/)!;
    expect(run.stdout).toMatch(/Created organization "Ana Bakery" \(id [0-9a-f-]{36}\); role: owner/);

    const [user] = await db.sql<{ password_hash: string; name: string }[]>`
      select password_hash, name from users where id = ${userId!}`;
    expect(user!.name).toBe('Ana');
    expect(await verifyPassword(user!.password_hash, PASSWORD)).toBe(true);
    expect(await verifyPassword(user!.password_hash, `${PASSWORD}\n`)).toBe(false);
    const signIn = await new HttpClient(t.url).post('/api/auth/signin', {
      email: 'ana@example.com',
      password: PASSWORD,
    });
    expect(signIn.status).toBe(200);
  });

  it('user create --org joins the existing organization of that name with the given role', async () => {
    const run = await spool(
      [
        'user',
        'create',
        '--email',
        'bo@example.com',
        '--password-stdin',
        '--org',
        'Ana Bakery',
        '--role',
        'editor',
      ],
      env,
      PASSWORD,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Joined organization "Ana Bakery" \(id [0-9a-f-]{36}\) as editor/);
    const members = await db.sql<{ email: string; role: string }[]>`
      select u.email, m.role from memberships m join users u on u.id = m.user_id
      join organizations o on o.id = m.organization_id where o.name = 'Ana Bakery' order by u.email`;
    expect([...members]).toEqual([
      { email: 'ana@example.com', role: 'owner' },
      { email: 'bo@example.com', role: 'editor' },
    ]);
    const orgs = await db.sql`select 1 from organizations where name = 'Ana Bakery'`;
    expect(orgs).toHaveLength(1);
  });

  it('user create explains bad input with exit code 1 and no stack trace, and writes nothing', async () => {
    const before = await db.sql<{ n: number }[]>`select count(*)::int as n from users`;
    const create = (email: string, stdin: string | undefined, ...extra: string[]) =>
      spool(['user', 'create', '--email', email, '--password-stdin', ...extra], env, stdin);
    const [duplicate, short, badEmail, noPassword, badRole] = await Promise.all([
      create('ANA@example.com', PASSWORD),
      create('cy@example.com', 'short\n'),
      create('not-an-email', PASSWORD),
      create('di@example.com', undefined),
      create('ed@example.com', PASSWORD, '--role', 'emperor'),
    ]);
    for (const run of [duplicate, short, badEmail, noPassword, badRole]) {
      expect(run.code).toBe(1);
      expect(run.stderr).not.toMatch(STACK_FRAME);
    }
    expect(duplicate.stderr).toMatch(/A user with the email ana@example\.com already exists/);
    expect(short.stderr).toMatch(/password \(standard input\): must be at least 10 characters/);
    expect(badEmail.stderr).toMatch(/--email: must be an email address/);
    expect(noPassword.stderr).toMatch(/No password arrived on standard input/);
    expect(badRole.stderr).toMatch(/--role.*emperor/);
    const after = await db.sql<{ n: number }[]>`select count(*)::int as n from users`;
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('user list prints JSON for scripts and a table for people, without terminal escapes', async () => {
    await signUp(db.sql, {
      email: 'esc@example.com',
      password: PASSWORD,
      name: 'Evil\u001b[2J\u001b]0;owned\u0007Name',
      organizationName: 'Escapes',
    });
    const json = await spool(['user', 'list', '--json'], env);
    expect(json.code).toBe(0);
    const users = JSON.parse(json.stdout) as {
      email: string;
      name: string;
      createdAt: string;
      organizations: { name: string; role: string }[];
    }[];
    const ana = users.find((u) => u.email === 'ana@example.com')!;
    expect(ana.name).toBe('Ana');
    expect(ana.organizations).toEqual([expect.objectContaining({ name: 'Ana Bakery', role: 'owner' })]);
    expect(Number.isNaN(Date.parse(ana.createdAt))).toBe(false);
    expect(users.find((u) => u.email === 'bo@example.com')!.organizations[0]!.role).toBe('editor');

    const table = await spool(['user', 'list'], env);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^EMAIL\s+NAME\s+ORGANIZATIONS\s+CREATED$/);
    const anaLine = lines.find((l) => l.startsWith('ana@example.com'))!;
    expect(anaLine).toMatch(/Ana\s+Ana Bakery \(owner\)\s+\d{4}-\d{2}-\d{2}$/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting that none reach the terminal
    expect(table.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    expect(table.stdout).toContain('Evil[2J]0;ownedName');
  });

  it('token create prints the token once, on the last line, and it works against the API', async () => {
    const run = await spool(
      [
        'token',
        'create',
        '--email',
        'ana@example.com',
        '--name',
        'deploy script',
        '--scopes',
        'read',
        '--expires-in-days',
        '30',
      ],
      env,
    );
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    const token = lines.at(-1)!;
    expect(token).toMatch(/^spool_pat_[A-Za-z0-9_-]{43}$/);
    expect(run.stdout).toMatch(/shown only this once/);
    expect(run.stdout.split(token)).toHaveLength(2); // printed exactly once

    const me = await new HttpClient(t.url)
      .withBearer(token)
      .get<{ user: { email: string }; scopes: string[]; authenticatedWith: string }>('/api/me');
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe('ana@example.com');
    expect(me.body.scopes).toEqual(['read']);
    expect(me.body.authenticatedWith).toBe('token');

    const [row] = await db.sql<{ name: string; days: number }[]>`
      select name, round(extract(epoch from expires_at - now()) / 86400)::int as days
      from api_tokens where name = 'deploy script'`;
    expect(row).toEqual({ name: 'deploy script', days: 30 });
  });

  it('token create refuses an unknown user and unknown scopes with exit code 1', async () => {
    const [unknown, badScope] = await Promise.all([
      spool(['token', 'create', '--email', 'nobody@example.com'], env),
      spool(['token', 'create', '--email', 'ana@example.com', '--scopes', 'read,root'], env),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No user has the email nobody@example\.com/);
    expect(badScope.code).toBe(1);
    expect(badScope.stderr).toMatch(/--scopes: each must be one of read, write, admin/);
    for (const run of [unknown, badScope]) expect(run.stderr).not.toMatch(STACK_FRAME);
  });

  it('secrets rotate re-seals channel credentials from the previous key to SPOOL_SECRET_KEY, and audits', async () => {
    const oldKey = randomBytes(32);
    const [org] = await db.sql<
      { id: string }[]
    >`insert into organizations (name) values ('Rotation') returning id`;
    const [channel] = await db.sql<{ id: string }[]>`
      insert into channels (organization_id, network, account_id, handle)
      values (${org!.id}, 'mastodon', '42', '@ana@social.example') returning id`;
    const credentials = JSON.stringify({ accessToken: 'mastodon-access-token' });
    const context = `channel:${channel!.id}`;
    await db.sql`update channels set credentials_sealed = ${new SecretBox(oldKey).seal(credentials, context)}
                 where id = ${channel!.id}`;

    const run = await spool(['secrets', 'rotate'], {
      ...env,
      SPOOL_SECRET_KEYS_PREVIOUS: oldKey.toString('hex'),
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Current key: ${keyId(key)}`);
    expect(run.stdout).toMatch(/channels\.credentials_sealed: 1 re-sealed, 0 already current, 0 failed/);
    expect(run.stdout).not.toContain('mastodon-access-token');
    const [row] = await db.sql<{ credentials_sealed: string }[]>`
      select credentials_sealed from channels where id = ${channel!.id}`;
    expect(new SecretBox(key).open(row!.credentials_sealed, context)).toBe(credentials);

    const events = await db.sql<{ organization_id: string | null; details: Record<string, unknown> }[]>`
      select organization_id, details from audit_events where action = 'secrets.rotated'`;
    expect(events).toHaveLength(1);
    expect(events[0]!.organization_id).toBeNull();
    expect(events[0]!.details).toMatchObject({ keyId: keyId(key), resealed: 1, failed: 0 });

    const again = await spool(['secrets', 'rotate'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/channels\.credentials_sealed: 0 re-sealed, 1 already current, 0 failed/);
  });

  it('secrets rotate --new-key refuses when the key comes from SPOOL_SECRET_KEY', async () => {
    const run = await spool(['secrets', 'rotate', '--new-key'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/SPOOL_SECRET_KEYS_PREVIOUS/);
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });

  it('secrets rotate fails loudly about an unregistered *_sealed column that holds old values', async () => {
    await db.sql`create table cli_probe (id int primary key, token_sealed text)`;
    try {
      expect((await spool(['secrets', 'rotate'], env)).code).toBe(0); // empty: nothing would be lost
      await db.sql`insert into cli_probe values (1, 'v1.0badc0de.aXY.Ym9keQ')`;
      const run = await spool(['secrets', 'rotate'], env);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/Warning: cli_probe\.token_sealed look encrypted/);
      expect(run.stdout).toMatch(/Keep the previous key/);
    } finally {
      await db.sql`drop table cli_probe`;
    }
  });
});

describe('rotateSecrets re-seals a registered column in batches', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await db.sql`create table rotation_fixture (
      id bigint generated always as identity primary key, owner text not null, token_sealed text)`;
  });
  afterAll(async () => {
    await db?.drop();
  });

  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const strayKey = randomBytes(32);
  const fixture = new SealedColumnRegistry().register({
    table: 'rotation_fixture',
    idColumn: 'id',
    column: 'token_sealed',
    context: (row: SealedRow) => `fixture:${String(row.owner)}`,
  });

  it('re-seals old values, skips current ones, leaves unopenable ones alone, and can run again', async () => {
    const oldBox = new SecretBox(oldKey);
    const rows = Array.from({ length: 450 }, (_, i) => ({
      owner: `o${i}`,
      token_sealed: oldBox.seal(`secret-${i}`, `fixture:o${i}`),
    }));
    rows.push(
      { owner: 'current', token_sealed: new SecretBox(newKey).seal('already new', 'fixture:current') },
      { owner: 'stray', token_sealed: new SecretBox(strayKey).seal('lost key', 'fixture:stray') },
      // Sealed for another row: its context does not match, so it must not open here.
      { owner: 'moved', token_sealed: oldBox.seal('moved', 'fixture:elsewhere') },
    );
    await db.sql`insert into rotation_fixture ${db.sql(rows)}`;
    await db.sql`insert into rotation_fixture (owner, token_sealed) values ('empty', null)`;
    const untouched = await db.sql<{ owner: string; token_sealed: string }[]>`
      select owner, token_sealed from rotation_fixture where owner in ('stray', 'moved')`;

    const box = new SecretBox(newKey, [oldKey]);
    const report = await rotateSecrets(db.sql, box, { columns: fixture.list(), batchSize: 100 });
    expect(report.keyId).toBe(keyId(newKey));
    expect(report.unregisteredColumns).toEqual([]);
    expect(report.columns).toEqual([
      expect.objectContaining({
        table: 'rotation_fixture',
        column: 'token_sealed',
        resealed: 450,
        alreadyCurrent: 1,
        failed: 2,
      }),
    ]);
    const reasons = report.columns[0]!.failures.map((f) => f.reason).join(' | ');
    expect(reasons).toMatch(/not configured/);
    expect(reasons).toMatch(/tampered, or moved from another row/);

    // Every re-sealed value now opens with the new key alone, to the same plaintext.
    const onlyNew = new SecretBox(newKey);
    const after = await db.sql<{ owner: string; token_sealed: string | null }[]>`
      select owner, token_sealed from rotation_fixture order by id`;
    for (const row of after.filter((r) => r.owner.startsWith('o'))) {
      expect(onlyNew.open(row.token_sealed!, `fixture:${row.owner}`)).toBe(`secret-${row.owner.slice(1)}`);
    }
    expect(after.find((r) => r.owner === 'empty')!.token_sealed).toBeNull();
    const stillThere = after.filter((r) => r.owner === 'stray' || r.owner === 'moved');
    expect(stillThere).toEqual([...untouched]);

    const again = await rotateSecrets(db.sql, box, { columns: fixture.list(), batchSize: 100 });
    expect(again.columns[0]).toMatchObject({ resealed: 0, alreadyCurrent: 451, failed: 2 });
    const audits =
      await db.sql`select 1 from audit_events where action = 'secrets.rotated' and organization_id is null`;
    expect(audits).toHaveLength(2);
  });

  it('reports a *_sealed column that is not in the registry it was given', async () => {
    const report = await rotateSecrets(db.sql, new SecretBox(newKey), { columns: [] });
    expect(report.unregisteredColumns).toEqual(['rotation_fixture.token_sealed']);
  });
});

describe('spool secrets rotate --new-key on the embedded default', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-cli-keys-'));
    await fs.chmod(dataDir, 0o755);
  });
  afterAll(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('puts a new key first in the key file (0600, written atomically) and keeps the old ones', {
    timeout: 120_000,
  }, async () => {
    const keyFile = path.join(dataDir, 'secret.key');
    const original = randomBytes(32).toString('base64url');
    await fs.writeFile(keyFile, `${original}\n`, { mode: 0o600 });
    const env = { SPOOL_DATA_DIR: dataDir };

    const first = await spool(['secrets', 'rotate', '--new-key'], env);
    expect(first.stderr).not.toMatch(STACK_FRAME);
    expect(first.code).toBe(0);
    const lines = (await fs.readFile(keyFile, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe(original);
    const newKey = parseSecretKey(lines[0]!);
    expect(newKey).toBeDefined();
    expect(lines[0]).not.toBe(original);
    expect(first.stdout).toContain(`Current key: ${keyId(newKey!)}`);
    expect((await fs.stat(keyFile)).mode & 0o777).toBe(0o600);
    expect((await fs.readdir(dataDir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const second = await spool(['secrets', 'rotate', '--new-key'], env);
    expect(second.code).toBe(0);
    const after = (await fs.readFile(keyFile, 'utf8')).trim().split('\n');
    expect(after.slice(1)).toEqual(lines);
  });

  it('runs beside a running `spool start`, using its embedded database without disturbing it', async () => {
    const server = runSpool(['start', '--port', '0'], { SPOOL_DATA_DIR: dataDir });
    try {
      const [, url] = await server.waitForOutput(/is running at (http:\/\/\S+)/, 60_000);
      const run = await spool(['user', 'list', '--json'], { SPOOL_DATA_DIR: dataDir });
      expect(run.stderr).not.toMatch(STACK_FRAME);
      expect(run.code).toBe(0);
      expect(Array.isArray(JSON.parse(run.stdout))).toBe(true);
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
  });

  it('runs on a stale postmaster.pid whose process id now belongs to another program', async () => {
    // Start once so the cluster exists, then leave a pid file naming a live, unrelated process.
    const first = await spool(['user', 'list', '--json'], { SPOOL_DATA_DIR: dataDir });
    expect(first.code).toBe(0);
    await fs.writeFile(path.join(dataDir, 'pg', 'postmaster.pid'), `${process.pid}\n`);
    const run = await spool(['user', 'list', '--json'], { SPOOL_DATA_DIR: dataDir });
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(run.stderr).toMatch(/stale postmaster.pid/);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([]);
  });
});
