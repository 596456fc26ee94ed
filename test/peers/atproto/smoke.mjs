// End-to-end smoke check of the local AT Protocol network:
//   node smoke.mjs
// Starts start-network.mjs (with the loopback preload) as a child process, then:
//  - alice logs in (app password), uploads a PNG blob, creates a post with
//    com.atproto.repo.putRecord (rkey = fresh TID, swapRecord: null) embedding it;
//  - repeats that putRecord identically, then with different content;
//  - bob likes and reposts the post;
//  - a firehose client (com.atproto.sync.subscribeRepos on the PDS, decoded and
//    signature-checked with @atproto/sync's Firehose) sees bob's like;
//  - SIGTERM: the network must exit 0 and free its ports.
// Prints what it saw and exits non-zero on any failure.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { deflateSync } from 'node:zlib';

const require = createRequire(import.meta.url);
const { AtpAgent } = require('@atproto/api');
const { TID } = require('@atproto/common-web');
const { Firehose, MemoryRunner } = require('@atproto/sync');
const { IdResolver } = require('@atproto/identity');

const here = new URL('.', import.meta.url).pathname;
const log = (...args) => console.log('[smoke]', ...args);
const ver = (name) => require(`${name}/package.json`).version;

// ---- start the network -------------------------------------------------------
const t0 = performance.now();
const child = spawn(process.execPath, ['--require', './listen-loopback.cjs', 'start-network.mjs'], {
  cwd: here,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const exited = once(child, 'exit');
let stdout = '';
const info = await new Promise((resolve, reject) => {
  child.stdout.on('data', (buf) => {
    stdout += buf;
    const nl = stdout.indexOf('\n');
    if (nl >= 0) resolve(JSON.parse(stdout.slice(0, nl)));
  });
  child.once('exit', (code) => reject(new Error(`network exited early (${code})`)));
});
const startMs = Math.round(performance.now() - t0);
const rssMb = (pid) => {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
};
log(`network up in ${startMs} ms (spawn to JSON line), RSS ${rssMb(child.pid)} MB`);
log('JSON:', JSON.stringify(info));

const [alice, bob] = info.accounts;
const wsUrl = info.pdsUrl.replace(/^http/, 'ws');

try {
  // ---- firehose: replay from cursor 0, verify commits against the DID docs --------
  const seen = [];
  let onEvt = () => {};
  const firehose = new Firehose({
    service: wsUrl,
    idResolver: new IdResolver({ plcUrl: info.plcUrl }),
    // Replay from the start so that no event is lost to timing. NB: in
    // @atproto/sync 0.1.40 the `getCursor` option is broken without a runner (the
    // function itself ends up in the query: "Cannot encode functions into query
    // params"), so the cursor comes from a MemoryRunner.
    runner: new MemoryRunner({ startCursor: 0 }),
    handleEvent: (evt) => {
      seen.push(evt);
      onEvt(evt);
    },
    onError: (err) => log('firehose error:', err.message, err.cause?.message ?? ''),
  });
  firehose.start();
  const waitForEvt = (pred, ms = 10_000) => {
    const hit = seen.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('firehose event not seen')), ms);
      const prev = onEvt;
      onEvt = (evt) => {
        prev(evt);
        if (pred(evt)) {
          clearTimeout(timer);
          resolve(evt);
        }
      };
    });
  };

  // ---- alice: login with her app password ---------------------------------------
  const a = new AtpAgent({ service: info.pdsUrl });
  await a.login({ identifier: alice.handle, password: alice.appPassword });
  assert.equal(a.session.did, alice.did);

  // ---- blob: a real 2x2 PNG -----------------------------------------------------
  const png = makePng(2, 2);
  const up = await a.com.atproto.repo.uploadBlob(png, { encoding: 'image/png' });
  log('uploadBlob ->', JSON.stringify(up.data.blob));

  // ---- putRecord with a chosen rkey, swapRecord: null -----------------------------
  const rkey = TID.nextStr();
  const record = {
    $type: 'app.bsky.feed.post',
    text: 'hello from spool smoke test',
    createdAt: new Date().toISOString(),
    langs: ['en'],
    embed: {
      $type: 'app.bsky.embed.images',
      images: [{ alt: 'a tiny png', image: up.data.blob, aspectRatio: { width: 2, height: 2 } }],
    },
  };
  const put = (rec) =>
    a.com.atproto.repo.putRecord({
      repo: alice.did,
      collection: 'app.bsky.feed.post',
      rkey,
      record: rec,
      swapRecord: null,
    });
  const first = await put(record);
  log('putRecord #1 ->', JSON.stringify(first.data));

  // same call again, identical record
  const describeErr = (err) =>
    `${err.constructor.name} status=${err.status} error=${err.error} message=${JSON.stringify(err.message)}`;
  try {
    const again = await put(record);
    log('putRecord #2 (identical) -> OK', JSON.stringify(again.data));
  } catch (err) {
    log('putRecord #2 (identical) -> THROWS', describeErr(err));
  }
  // same rkey, different content
  try {
    const other = await put({ ...record, text: 'a different text' });
    log('putRecord #3 (different content) -> OK', JSON.stringify(other.data));
  } catch (err) {
    log('putRecord #3 (different content) -> THROWS', describeErr(err));
  }
  const got = await a.com.atproto.repo.getRecord({
    repo: alice.did,
    collection: 'app.bsky.feed.post',
    rkey,
  });
  assert.equal(got.data.value.text, record.text);
  assert.equal(got.data.cid, first.data.cid);
  const blobBack = await a.com.atproto.sync.getBlob({
    did: alice.did,
    cid: up.data.blob.ref.toString(),
  });
  assert.deepEqual(Buffer.from(blobBack.data), Buffer.from(png));
  log('getRecord/getBlob: post and blob stored as written');

  // ---- bob: like + repost (password login) --------------------------------------
  const b = new AtpAgent({ service: info.pdsUrl });
  await b.login({ identifier: bob.handle, password: bob.password });
  const like = await b.like(first.data.uri, first.data.cid);
  const repost = await b.repost(first.data.uri, first.data.cid);
  log('bob like ->', like.uri, ' repost ->', repost.uri);

  // ---- firehose saw it ----------------------------------------------------------
  const likeEvt = await waitForEvt(
    (e) =>
      e.event === 'create' &&
      e.did === bob.did &&
      e.collection === 'app.bsky.feed.like' &&
      e.record?.subject?.uri === first.data.uri,
  );
  log(
    'firehose like event:',
    JSON.stringify({
      seq: likeEvt.seq,
      event: likeEvt.event,
      did: likeEvt.did,
      uri: likeEvt.uri.toString(),
      cid: likeEvt.cid.toString(),
      subject: likeEvt.record.subject,
    }),
  );
  await waitForEvt((e) => e.event === 'create' && e.collection === 'app.bsky.feed.repost');
  const postEvts = seen.filter((e) => e.collection === 'app.bsky.feed.post');
  log(
    `firehose events seen: ${seen.length} (${seen.map((e) => `${e.event}${e.collection ? `:${e.collection}` : ''}`).join(', ')})`,
  );
  assert.equal(postEvts.length, 1, 'identical putRecord must not produce a second commit');
  await firehose.destroy();
  log(`RSS of the network after the run: ${rssMb(child.pid)} MB`);
} finally {
  // ---- clean shutdown -----------------------------------------------------------
  const pdsPort = Number(new URL(info.pdsUrl).port);
  const tStop = performance.now();
  child.kill('SIGTERM');
  const [code, signal] = await exited;
  log(`network stopped: exit code ${code} signal ${signal} in ${Math.round(performance.now() - tStop)} ms`);
  assert.equal(code, 0);
  const free = await new Promise((resolve) => {
    const s = net.createServer().once('error', () => resolve(false));
    s.listen(pdsPort, '127.0.0.1', () => s.close(() => resolve(true)));
  });
  assert.ok(free, 'PDS port still in use after exit');
}
log(
  `OK (node ${process.version}; @atproto/dev-env ${ver('@atproto/dev-env')}, @atproto/pds ${ver('@atproto/pds')}, @atproto/api ${ver('@atproto/api')}, @atproto/sync ${ver('@atproto/sync')})`,
);

// A valid RGBA PNG, built by hand so that the check needs no image library.
function makePng(width, height) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (buf) => {
    let c = 0xffffffff;
    for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 4, 0xcc)]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(raw)),
      chunk('IEND', Buffer.alloc(0)),
    ]),
  );
}
