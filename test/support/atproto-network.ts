import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

/**
 * A real local AT Protocol network (PLC directory + one PDS, from @atproto/dev-env) for the Bluesky
 * tests: test/peers/atproto/start-network.mjs in a child process, on loopback, with the accounts
 * alice.test and bob.test. Every test file that starts one stops it in its afterAll.
 */
export interface AtprotoAccount {
  handle: string;
  did: string;
  password: string;
  appPassword: string;
  email: string;
}

export interface AtprotoNetwork {
  pdsUrl: string;
  plcUrl: string;
  alice: AtprotoAccount;
  bob: AtprotoAccount;
  stop(): Promise<void>;
}

const PEER_DIR = fileURLToPath(new URL('../peers/atproto/', import.meta.url));
const INSTALL_HINT =
  'The local AT Protocol network for the Bluesky tests is not installed. Run `npm ci --prefix test/peers/atproto` ' +
  '(about 2 minutes; it compiles better-sqlite3) and run the tests again.';

/** A package from the peer's own tree (e.g. @ipld/dag-cbor, to check Spool's decoder against). */
export function requirePeerPackage<T>(name: string): T {
  const packageName = name.split('/').slice(0, name.startsWith('@') ? 2 : 1);
  if (!existsSync(path.join(PEER_DIR, 'node_modules', ...packageName, 'package.json')))
    throw new Error(INSTALL_HINT);
  return createRequire(path.join(PEER_DIR, 'package.json'))(name) as T;
}

export async function startAtprotoNetwork(
  options: { startupTimeoutMs?: number; env?: Record<string, string> } = {},
): Promise<AtprotoNetwork> {
  // Fail, not skip: a missing peer must never turn the Bluesky suite green by omission.
  if (!existsSync(path.join(PEER_DIR, 'node_modules', '@atproto', 'dev-env', 'package.json'))) {
    throw new Error(INSTALL_HINT);
  }
  const child = spawn(
    process.execPath,
    ['--require', './listen-loopback.cjs', '--require', './test-hosts.cjs', 'start-network.mjs'],
    {
      cwd: PEER_DIR,
      // The network also exits if this test process dies without calling stop().
      env: { ...process.env, ATPROTO_EXIT_WITH_PARENT: '1', NODE_OPTIONS: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-8_000);
  });
  try {
    const info = await readFirstLine(child, options.startupTimeoutMs ?? 60_000, () => stderr);
    const parsed = JSON.parse(info) as { pdsUrl: string; plcUrl: string; accounts: AtprotoAccount[] };
    const find = (handle: string) => {
      const account = parsed.accounts.find((a) => a.handle === handle);
      if (!account) throw new Error(`the AT Protocol network did not create ${handle}`);
      return account;
    };
    return {
      pdsUrl: parsed.pdsUrl,
      plcUrl: parsed.plcUrl,
      alice: find('alice.test'),
      bob: find('bob.test'),
      stop: () => stopChild(child, exited),
    };
  } catch (error) {
    await stopChild(child, exited);
    throw error;
  }
}

function readFirstLine(child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(
      () => fail(new Error(`the AT Protocol network did not start within ${timeoutMs} ms:\n${stderr()}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const end = buffered.indexOf('\n');
      if (end < 0) return;
      cleanup();
      resolve(buffered.slice(0, end));
    };
    const onExit = (code: number | null) =>
      fail(new Error(`the AT Protocol network exited during startup (code ${code}):\n${stderr()}`));
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
    };
    const fail = (error: Error) => {
      cleanup();
      reject(error);
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(killer);
}

/** What the PDS proxy does with one request. */
export type ProxyAction =
  | { kind: 'pass' }
  /** Forwards the request, lets the PDS act on it, then drops the connection: a timeout after sending. */
  | { kind: 'drop_after_forward' }
  | { kind: 'answer'; status: number; headers?: Record<string, string>; body: unknown };

export interface PdsProxy {
  url: string;
  /** Every request seen, as "METHOD /xrpc/nsid". */
  seen: string[];
  setRule(rule: (nsid: string, method: string) => ProxyAction): void;
  close(): Promise<void>;
}

/**
 * A loopback HTTP proxy in front of the real PDS that injects the failures a real network has
 * (a lost answer after the PDS acted, a 429, a 5xx), so that retries are tested against the real PDS.
 */
export async function startPdsProxy(pdsUrl: string): Promise<PdsProxy> {
  let rule: (nsid: string, method: string) => ProxyAction = () => ({ kind: 'pass' });
  const seen: string[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', pdsUrl);
    const nsid = url.pathname.replace(/^\/xrpc\//, '');
    seen.push(`${req.method} ${url.pathname}`);
    const action = rule(nsid, req.method ?? 'GET');
    if (action.kind === 'answer') {
      res.writeHead(action.status, { 'content-type': 'application/json', ...action.headers });
      res.end(JSON.stringify(action.body));
      return;
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name))
        headers.set(name, value);
    }
    const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
    const upstream = await fetch(url, { method: req.method, headers, body });
    const answer = Buffer.from(await upstream.arrayBuffer());
    if (action.kind === 'drop_after_forward') {
      req.socket.destroy();
      return;
    }
    const contentType = upstream.headers.get('content-type');
    res.writeHead(upstream.status, contentType ? { 'content-type': contentType } : {});
    res.end(answer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    setRule(next) {
      rule = next;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A real PNG of the given size (grey), small enough to upload as a Bluesky image blob. */
export function makePng(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, 0x7f)]);
  const pixels = zlib.deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', pixels),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([length, body, crc]);
}
