import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * A real snac2 server (a small ActivityPub server with a Mastodon client API) for tests: a
 * temporary base directory, `snac init` answered through stdin, users from `snac adduser`, and
 * `snac httpd` on 127.0.0.1 at a free port, stopped and removed by `stop()`.
 * snac2 comes from Debian bookworm-backports: `bash test/peers/snac/setup.sh`.
 */

const run = promisify(execFile);
const SNAC = process.env.SNAC_BIN ?? 'snac';

export interface SnacUser {
  name: string;
  password: string;
}

export interface SnacServer {
  /** The instance's base URL, e.g. http://127.0.0.1:40123 (what a person types to connect). */
  url: string;
  baseDir: string;
  users: Map<string, SnacUser>;
  addUser(name: string): Promise<SnacUser>;
  /** Runs a `snac` command against this server's base directory (e.g. `insert`, `follow`). */
  cli(command: string, ...args: string[]): Promise<string>;
  /**
   * Plays the person in the browser: opens snac's authorize page, submits its login form with the
   * user's password, and returns where snac redirects (the app's callback with `code` and `state`).
   */
  approveInBrowser(authorizeUrl: string, user: SnacUser): Promise<string>;
  /** A token for `user` through the whole OAuth flow (app registration, login form, code, token). */
  obtainToken(user: SnacUser): Promise<{ accessToken: string; clientId: string; clientSecret: string }>;
  stop(): Promise<void>;
}

export async function assertSnacInstalled(): Promise<void> {
  try {
    await run(SNAC, [], { timeout: 10_000 });
  } catch (error) {
    const err = error as { code?: string | number; stdout?: string };
    // `snac` without arguments prints its usage and exits non-zero; only a missing binary is fatal.
    if (err.code === 'ENOENT' || !String(err.stdout ?? '').includes('snac')) {
      throw new Error(
        'snac2 is not installed, so the Mastodon real-server tests cannot run. Install it with ' +
          '`bash test/peers/snac/setup.sh` (as root; Debian bookworm-backports), then run the tests again.',
      );
    }
  }
}

export async function startSnacServer(options: { users?: string[] } = {}): Promise<SnacServer> {
  await assertSnacInstalled();
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-snac-'));
  const baseDir = path.join(root, 'data'); // `snac init` wants a directory that does not exist yet
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  // Prompts: network address, port, host name, URL prefix, admin email.
  await answerPrompts([SNAC, 'init', baseDir], `127.0.0.1\n${port}\n${host}\n\n\n`);
  // Plain HTTP on loopback: snac builds its URLs (and the login form's action) from this protocol.
  const configFile = path.join(baseDir, 'server.json');
  const config = JSON.parse(await fs.readFile(configFile, 'utf8')) as Record<string, unknown>;
  await fs.writeFile(configFile, JSON.stringify({ ...config, protocol: 'http', dbglevel: 0 }, null, 4));

  const url = `http://${host}`;
  const users = new Map<string, SnacUser>();
  const cli = async (command: string, ...args: string[]) =>
    (await run(SNAC, [command, baseDir, ...args], { timeout: 30_000 })).stdout;
  const addUser = async (name: string) => {
    const out = await cli('adduser', name);
    const password = /User password is (\S+)/.exec(out)?.[1];
    if (!password) throw new Error(`snac adduser ${name} printed no password:\n${out}`);
    const user = { name, password };
    users.set(name, user);
    return user;
  };
  for (const name of options.users ?? []) await addUser(name);

  const httpd = spawn(SNAC, ['httpd', baseDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  httpd.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
  httpd.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
  try {
    await waitUntilServing(url, httpd);
  } catch (error) {
    httpd.kill('SIGKILL');
    await fs.rm(root, { recursive: true, force: true });
    throw new Error(`snac httpd did not start: ${(error as Error).message}\n${log.join('')}`);
  }

  const approveInBrowser = async (authorizeUrl: string, user: SnacUser) => {
    const page = await snacFetch(authorizeUrl);
    const html = await page.text();
    if (page.status !== 200)
      throw new Error(`snac's authorize page answered ${page.status}: ${html.slice(0, 200)}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`snac's authorize page has no login form:\n${html.slice(0, 500)}`);
    const form = new URLSearchParams();
    for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
      form.set(match[1]!, decodeEntities(match[2]!));
    }
    form.set('login', user.name);
    form.set('passwd', user.password);
    const res = await snacFetch(action, { method: 'POST', body: form, redirect: 'manual' });
    const location = res.headers.get('location');
    if (res.status !== 303 || !location) {
      throw new Error(
        `snac did not accept ${user.name}'s login (HTTP ${res.status}): ${(await res.text()).slice(0, 300)}`,
      );
    }
    return location;
  };

  const obtainToken = async (user: SnacUser) => {
    const redirectUri = 'http://127.0.0.1:9/callback';
    const app = (await (
      await snacFetch(`${url}/api/v1/apps`, {
        method: 'POST',
        body: new URLSearchParams({
          client_name: `test-${user.name}`,
          redirect_uris: redirectUri,
          scopes: 'read write',
        }),
      })
    ).json()) as { client_id: string; client_secret: string };
    const authorize = new URL(`${url}/oauth/authorize`);
    authorize.search = new URLSearchParams({
      client_id: app.client_id,
      redirect_uri: redirectUri,
      response_type: 'code',
    }).toString();
    const code = new URL(await approveInBrowser(authorize.toString(), user)).searchParams.get('code')!;
    const token = (await (
      await snacFetch(`${url}/oauth/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          client_id: app.client_id,
          client_secret: app.client_secret,
          redirect_uri: redirectUri,
        }),
      })
    ).json()) as { access_token: string };
    return { accessToken: token.access_token, clientId: app.client_id, clientSecret: app.client_secret };
  };

  return {
    url,
    baseDir,
    users,
    addUser,
    cli,
    approveInBrowser,
    obtainToken,
    async stop() {
      await stopProcess(httpd);
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}

function answerPrompts(command: string[], answers: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command.join(' ')} exited ${code}:\n${output}`)),
    );
    child.stdin.end(answers);
  });
}

async function waitUntilServing(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`it exited with code ${child.exitCode}`);
    try {
      const res = await snacFetch(`${url}/api/v1/instance`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('it did not answer within 15 s');
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * fetch for snac's small HTTP server, which closes idle keep-alive connections on its own: a
 * request sent on one it just closed fails with ECONNRESET before snac saw it, so it is sent once
 * more (every request here is safe to repeat: snac never received the first).
 */
async function snacFetch(input: string | URL, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(input, init);
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    if (code !== 'ECONNRESET' && code !== 'UND_ERR_SOCKET') throw error;
    return fetch(input, init);
  }
}
