// Starts a local AT Protocol network (PLC directory + one PDS, no app view) for
// Spool's Bluesky tests, creates the accounts alice.test and bob.test, prints ONE
// JSON line on stdout and runs until SIGTERM/SIGINT.
//
//   node --require ./listen-loopback.cjs start-network.mjs
//
// stdout: {"pdsUrl":"http://localhost:PORT","plcUrl":"http://localhost:PORT",
//          "accounts":[{"handle","did","password","appPassword","email"}, ...]}
// Everything else (logs, errors) goes to stderr.
//
// Environment (all optional):
//   ATPROTO_PDS_PORT, ATPROTO_PLC_PORT  fixed ports (default: free ports from the OS)
//   ATPROTO_EXIT_WITH_PARENT=1          also shut down when the parent process dies
//                                       (for test runners that may crash before SIGTERM)

import './listen-loopback.cjs'; // idempotent; also keeps a run without --require on loopback
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);

// Keep stdout for the single JSON line: libraries that console.log go to stderr.
const toStderr = (...args) => process.stderr.write(`${args.map(String).join(' ')}\n`);
console.log = toStderr;
console.info = toStderr;

let network;
let dataRoot;
let startup; // main()'s promise
let closing = false;

// Installed before the heavy module load below, so that a signal during startup
// (which can take several seconds on a loaded machine) still closes cleanly.
async function shutdown(code) {
  if (closing) return;
  closing = true;
  const timer = setTimeout(() => {
    toStderr('atproto network: close timed out, exiting');
    process.exit(1);
  }, 15_000);
  timer.unref();
  try {
    await startup?.catch(() => {}); // a signal during startup: let it finish, then close all of it
    if (network) await network.close();
  } catch (err) {
    toStderr('atproto network: error while closing:', err?.stack ?? err);
    code = code || 1;
  }
  if (dataRoot) await rm(dataRoot, { recursive: true, force: true }).catch(() => {});
  clearTimeout(timer);
  process.exit(code);
}

process.once('SIGTERM', () => shutdown(0));
process.once('SIGINT', () => shutdown(0));
if (process.env.ATPROTO_EXIT_WITH_PARENT === '1') {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) shutdown(0);
  }, 1000).unref();
}

// Deep import: @atproto/dev-env's index also loads the app view, ozone, bsync...
// (~1 s more). The package is pinned to 0.3.215 and has no "exports" map.
const { TestNetworkNoAppView } = require('@atproto/dev-env/dist/network-no-appview.js');
const { AtpAgent } = require('@atproto/api');
const tLoaded = performance.now();

const ACCOUNTS = [
  { handle: 'alice.test', email: 'alice@spool.test', password: 'alice-pass' },
  { handle: 'bob.test', email: 'bob@spool.test', password: 'bob-pass' },
];

/** Ask the OS for a free TCP port on 127.0.0.1 (dev-env breaks with port 0). */
async function freePorts(count) {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise((resolve, reject) => {
          const srv = net.createServer();
          srv.unref();
          srv.once('error', reject);
          srv.listen(0, '127.0.0.1', () => resolve(srv));
        }),
    ),
  );
  const ports = servers.map((srv) => srv.address().port);
  await Promise.all(servers.map((srv) => new Promise((r) => srv.close(r))));
  return ports;
}

const envPort = (name) => {
  const v = process.env[name];
  if (!v) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`${name} must be a port number`);
  return n;
};

async function main() {
  const [pdsFree, plcFree] = await freePorts(2);
  const pdsPort = envPort('ATPROTO_PDS_PORT') ?? pdsFree;
  const plcPort = envPort('ATPROTO_PLC_PORT') ?? plcFree;

  // Own data folder (sqlite + blobs) so that it can be removed on exit;
  // dev-env would otherwise leave two random folders in os.tmpdir() per run.
  dataRoot = await mkdtemp(path.join(os.tmpdir(), 'spool-atproto-'));
  const dataDirectory = path.join(dataRoot, 'pds');
  await mkdir(dataDirectory); // the PDS opens sqlite files there and does not create it

  network = await TestNetworkNoAppView.create({
    plc: { port: plcPort },
    pds: {
      port: pdsPort,
      dataDirectory,
      blobstoreDiskLocation: path.join(dataRoot, 'blobs'),
    },
  });

  if (closing) return;
  const tNetwork = performance.now();
  const accounts = [];
  for (const { handle, email, password } of ACCOUNTS) {
    const agent = new AtpAgent({ service: network.pds.url });
    const { data } = await agent.createAccount({ handle, email, password }); // also logs in
    const appPw = await agent.com.atproto.server.createAppPassword({ name: 'spool-tests' });
    accounts.push({ handle, did: data.did, password, appPassword: appPw.data.password, email });
  }

  if (closing) return;
  process.stdout.write(`${JSON.stringify({ pdsUrl: network.pds.url, plcUrl: network.plc.url, accounts })}\n`);
  const ms = (a, b) => Math.round(b - a);
  const tReady = performance.now();
  toStderr(
    `atproto network ready in ${ms(0, tReady)} ms (modules ${ms(0, tLoaded)}, plc+pds ${ms(tLoaded, tNetwork)}, accounts ${ms(tNetwork, tReady)}; pid ${process.pid})`,
  );
}

startup = main();
startup.catch(async (err) => {
  toStderr('atproto network: failed to start:', err?.stack ?? err);
  await shutdown(1);
});
