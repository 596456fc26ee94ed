/**
 * The publishing engine under load: `spool worker` processes on one PostgreSQL publishing through
 * their real adapters to the network simulator (100 ms median latency). Prints JSON per scenario.
 *   npm run bench:publish [-- --scenario top-of-hour|sustained|chaos|precision|ceiling|all]
 *                         [--workers 2] [--channels 10000] [--rate 2000] [--seconds 60]
 * Starts everything it needs (an embedded PostgreSQL unless DATABASE_URL is set, the simulator,
 * the workers) and stops it all at the end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { type Simulator, startSimulator } from '../sim/server.ts';
import type { Sql } from '../src/db/connection.ts';
import { claimDueTargets } from '../src/publisher/claim.ts';
import { settleTargets } from '../src/publisher/settle.ts';
import { SecretBox } from '../src/security/secret-box.ts';
import { seedChannels, seedOrganization, seedTargets } from '../test/support/publishing-fixtures.ts';
import { benchDatabase, percentile, round } from './support/environment.ts';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'all' },
    workers: { type: 'string', default: '2' },
    channels: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '60' },
  },
});
const WORKERS = Number(values.workers);
const BIN = new URL('../bin/spool.js', import.meta.url).pathname;
const LATENCY = { kind: 'lognormal' as const, medianMs: 100, p99Ms: 300 };

interface Env {
  url: string;
  sql: Sql;
  sim: Simulator;
  box: SecretBox;
  key: string;
  org: { organizationId: string; userId: string };
}

function startWorker(env: Env, extra: Record<string, string> = {}): ChildProcess {
  // BENCH_WORKER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the workers.
  const nodeArgs = process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  return spawn(process.execPath, [...nodeArgs, BIN, 'worker'], {
    env: {
      ...process.env,
      DATABASE_URL: env.url,
      SPOOL_SECRET_KEY: env.key,
      SPOOL_MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'error',
      DATABASE_POOL_SIZE: '12',
      PUBLISH_LEASE_MS: '5000',
      PUBLISH_MAX_IN_FLIGHT: '1000',
      PUBLISH_BATCH_SIZE: '500',
      PUBLISH_REQUEST_TIMEOUT_MS: '3000',
      PUBLISH_RETRY_BASE_MS: '500',
      PUBLISH_MAX_ATTEMPTS: '20',
      SSRF_ALLOW_PRIVATE: 'true',
      ...extra,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function waitForWorkers(sql: Sql, n: number): Promise<void> {
  for (;;) {
    const [row] = await sql<{ n: number }[]>`
      select count(*)::int as n from spool_processes where role = 'worker' and stopped_at is null
        and heartbeat_at > now() - interval '10 seconds'`;
    if ((row?.n ?? 0) >= n) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopWorkers(workers: ChildProcess[]): Promise<void> {
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.exitCode !== null || w.signalCode !== null) return resolve();
          w.once('exit', () => resolve());
          w.kill('SIGTERM');
        }),
    ),
  );
}

/** Channels split between an idempotent network (Mastodon) and one without a safe retry (X). */
async function makeChannels(env: Env, count: number): Promise<{ ids: string[]; network: string[] }> {
  const specs = Array.from({ length: count }, (_, i) => {
    const network = i % 2 === 0 ? 'mastodon' : 'x';
    const account = env.sim.state.credentials.createAccount(network);
    const token = env.sim.state.credentials.issueToken(account, { withRefresh: network === 'x' });
    return {
      network,
      accountId: account.id,
      handle: account.username,
      serviceUrl: `${env.sim.url}/${network}`,
      credentials: {
        accessToken: token.accessToken,
        ...(token.refreshToken ? { refreshToken: token.refreshToken } : {}),
      },
    };
  });
  const ids = await seedChannels(env.sql, env.box, env.org.organizationId, specs);
  return { ids, network: specs.map((s) => s.network) };
}

interface Outcome {
  scenario: string;
  posts: number;
  published: number;
  unconfirmed: number;
  failed: number;
  duplicates: number;
  lost: number;
  lag_ms: { p50: number; p99: number; max: number };
  completion_lag_ms: { p50: number; p99: number; max: number };
  throughput_per_s: number;
  workers: number;
  seconds: number;
  [extra: string]: unknown;
}

/** Waits until every target is final (or the deadline passes), then reads the figures. */
async function collect(
  env: Env,
  scenario: string,
  ids: string[],
  startedAt: number,
  deadlineMs: number,
): Promise<Outcome> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    // Each scenario has the tables to itself, so "anything still open?" needs no id list: sending
    // 120,000 ids five times a second cost the machine more than the workers being measured.
    const [row] = await env.sql<{ open: boolean }[]>`
      select exists (select 1 from post_targets where status not in ('published', 'failed', 'unconfirmed')) as open`;
    if (!row?.open || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  // lag: from the due time to the publish request leaving Spool (its final attempt's claim);
  // completion: to the network's confirmation, which adds the network's own latency (~100 ms here).
  const rows = await env.sql<
    {
      status: string;
      lag: number | null;
      completion: number | null;
      network_post_id: string | null;
      published_at: Date | null;
      due_at: Date;
    }[]
  >`
    select status, network_post_id, published_at, due_at,
           extract(epoch from last_attempt_at - due_at) * 1000 as lag,
           extract(epoch from published_at - due_at) * 1000 as completion
    from post_targets`;
  // BENCH_TIMELINE=1: how claims and confirmations spread over time (250 ms steps from the due
  // time) and how long a publish stays in flight, on stderr, to see where a run's lag comes from.
  if (process.env.BENCH_TIMELINE) printTimeline(rows.map((r) => [Number(r.lag), Number(r.completion)]));
  const simPosts = env.sim.state.listPosts({});
  const simIds = new Set(simPosts.map((p) => p.id));
  const byText = new Map<string, number>();
  for (const p of simPosts) if (p.inReplyToId === null) byText.set(p.text, (byText.get(p.text) ?? 0) + 1);
  const duplicates = [...byText.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);
  const published = rows.filter((r) => r.status === 'published');
  const lost =
    rows.filter((r) => !['published', 'failed', 'unconfirmed'].includes(r.status)).length +
    published.filter((r) => !r.network_post_id || !simIds.has(r.network_post_id)).length;
  const lags = published.map((r) => Number(r.lag)).sort((a, b) => a - b);
  const completions = published.map((r) => Number(r.completion)).sort((a, b) => a - b);
  // Loops, not Math.min(...rows): spreading 150,000 arguments overflows the stack.
  let firstDue = Number.POSITIVE_INFINITY;
  for (const r of rows) firstDue = Math.min(firstDue, r.due_at.getTime());
  let lastPublished = Number.NEGATIVE_INFINITY;
  for (const r of published) lastPublished = Math.max(lastPublished, r.published_at!.getTime());
  return {
    scenario,
    posts: ids.length,
    published: published.length,
    unconfirmed: rows.filter((r) => r.status === 'unconfirmed').length,
    failed: rows.filter((r) => r.status === 'failed').length,
    duplicates,
    lost,
    lag_ms: {
      p50: round(percentile(lags, 50)),
      p99: round(percentile(lags, 99)),
      max: round(lags.at(-1) ?? Number.NaN),
    },
    completion_lag_ms: {
      p50: round(percentile(completions, 50)),
      p99: round(percentile(completions, 99)),
      max: round(completions.at(-1) ?? Number.NaN),
    },
    throughput_per_s: round(published.length / Math.max(0.001, (lastPublished - firstDue) / 1000)),
    workers: WORKERS,
    seconds: round((Date.now() - startedAt) / 1000, 1),
  };
}

function printTimeline(rows: [lag: number, completion: number][]): void {
  const steps = new Map<number, { claims: number; done: number }>();
  const step = (ms: number) => {
    const key = Math.floor(ms / 250) * 250;
    const entry = steps.get(key) ?? { claims: 0, done: 0 };
    steps.set(key, entry);
    return entry;
  };
  for (const [lag, completion] of rows) {
    step(lag).claims++;
    step(completion).done++;
  }
  const flight = rows.map(([lag, completion]) => completion - lag).sort((a, b) => a - b);
  const p = (n: number) => round(percentile(flight, n));
  process.stderr.write(
    `in flight (claim to confirmation) p50 ${p(50)} ms, p90 ${p(90)} ms, p99 ${p(99)} ms\n`,
  );
  for (const key of [...steps.keys()].sort((a, b) => a - b)) {
    const { claims, done } = steps.get(key)!;
    process.stderr.write(`${key} ms: ${claims} claimed, ${done} confirmed\n`);
  }
}

async function withWorkers<T>(
  env: Env,
  n: number,
  run: (workers: ChildProcess[]) => Promise<T>,
  extra = {},
): Promise<T> {
  await env.sql`update spool_processes set stopped_at = now() where stopped_at is null`;
  const workers = Array.from({ length: n }, () => startWorker(env, extra));
  try {
    await waitForWorkers(env.sql, n);
    return await run(workers);
  } finally {
    await stopWorkers(workers);
  }
}

async function topOfTheHour(env: Env, chaos: boolean): Promise<Outcome> {
  const count = Number(values.channels);
  env.sim.reset();
  env.sim.setFaults(
    chaos
      ? {
          global: {
            latency: LATENCY,
            serverErrorRate: 0.1,
            rateLimitRate: 0.05,
            retryAfterSeconds: 1,
            timeoutAfterStoreRate: 0.02,
            hangMs: 4_000,
            scope: 'writes',
          },
        }
      : { global: { latency: LATENCY } },
  );
  const channels = await makeChannels(env, count);
  const started = Date.now();
  return withWorkers(env, WORKERS, async (workers) => {
    const due = new Date(Date.now() + 3_000);
    const ids = await seedTargets(
      env.sql,
      env.org.organizationId,
      env.org.userId,
      channels.ids.map((channelId, i) => ({
        channelId,
        text: `top of the hour ${i} ${randomBytes(4).toString('hex')}`,
        dueAt: due,
      })),
    );
    // Fresh tables have no planner statistics until autovacuum gets to them; a real database has.
    await env.sql`analyze post_targets, posts, channels`;
    let killer: NodeJS.Timeout | undefined;
    let kills = 0;
    if (chaos) {
      // Every 2 s one worker dies without warning and a new one takes its place.
      killer = setInterval(() => {
        const victim = workers.shift();
        victim?.kill('SIGKILL');
        kills++;
        workers.push(startWorker(env));
      }, 2_000);
    }
    try {
      const outcome = await collect(
        env,
        chaos ? 'chaos' : 'top-of-hour',
        ids,
        started,
        chaos ? 240_000 : 120_000,
      );
      const byNetwork: Record<string, Record<string, number>> = {};
      const rows = await env.sql<{ network: string; status: string; n: number }[]>`
        select c.network, t.status, count(*)::int as n from post_targets t join channels c on c.id = t.channel_id
        where t.id = any(${ids}::uuid[]) group by 1, 2`;
      for (const r of rows) byNetwork[r.network] = { ...byNetwork[r.network], [r.status]: r.n };
      return { ...outcome, by_network: byNetwork, ...(chaos ? { workers_killed: kills } : {}) };
    } finally {
      clearInterval(killer);
    }
  });
}

async function sustained(env: Env): Promise<Outcome> {
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  env.sim.reset();
  env.sim.setFaults({ global: { latency: LATENCY } });
  // Enough channels that one publish in flight per channel never limits the rate.
  const channels = await makeChannels(env, Math.max(500, Math.ceil(rate / 2)));
  const started = Date.now();
  return withWorkers(env, WORKERS, async () => {
    // Posts are queued ahead of time, as people do: the first 8 s of them before the clock starts,
    // then the rest chunk by chunk, each well before it falls due (seeding all 120,000 at once
    // would make the first minute late before any worker had a chance).
    const t0 = Date.now() + 5_000;
    const total = rate * seconds;
    const dueAt = (i: number) => t0 + (i * 1000) / rate;
    const CHUNK = 2_500;
    const ids: string[] = [];
    let next = 0;
    const seedChunk = async () => {
      const specs = Array.from({ length: Math.min(CHUNK, total - next) }, (_, k) => {
        const i = next + k;
        return {
          channelId: channels.ids[i % channels.ids.length]!,
          text: `sustained ${i} ${randomBytes(4).toString('hex')}`,
          dueAt: new Date(dueAt(i)),
        };
      });
      next += specs.length;
      ids.push(...(await seedTargets(env.sql, env.org.organizationId, env.org.userId, specs)));
    };
    while (next < total && dueAt(next) < t0 + 8_000) await seedChunk();
    await env.sql`analyze post_targets, posts, channels`;
    while (next < total) {
      const wait = dueAt(next) - 8_000 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await seedChunk();
    }
    return collect(env, 'sustained', ids, started, (seconds + 120) * 1000);
  });
}

async function precision(env: Env): Promise<Outcome> {
  env.sim.reset();
  env.sim.setFaults({ global: { latency: LATENCY } });
  const channels = await makeChannels(env, 100);
  const started = Date.now();
  return withWorkers(env, WORKERS, async () => {
    const ids: string[] = [];
    // 100 single posts, each queued on its own and due 3 s after it is queued.
    for (const [i, channelId] of channels.ids.entries()) {
      const [id] = await seedTargets(env.sql, env.org.organizationId, env.org.userId, [
        { channelId, text: `precise ${i}`, dueAt: new Date(Date.now() + 3_000) },
      ]);
      ids.push(id!);
      await new Promise((r) => setTimeout(r, 37));
    }
    return collect(env, 'precision', ids, started, 60_000);
  });
}

/** The raw claim-and-settle rate of PostgreSQL here, with no network in between: the ceiling. */
async function ceiling(env: Env): Promise<Record<string, unknown>> {
  const channels = await makeChannels(env, 10_000);
  await seedTargets(
    env.sql,
    env.org.organizationId,
    env.org.userId,
    channels.ids.map((channelId, i) => ({
      channelId,
      text: `ceiling ${i}`,
      dueAt: new Date(Date.now() - 1_000),
    })),
  );
  const started = performance.now();
  let moved = 0;
  for (;;) {
    const claimed = await claimDueTargets(env.sql, 500, 30_000);
    if (claimed.length === 0) break;
    await settleTargets(
      env.sql,
      claimed.map((t) => ({
        targetId: t.id,
        attemptId: t.attemptId,
        channelId: t.channelId,
        status: 'published',
        networkPostId: t.id,
      })),
    );
    moved += claimed.length;
  }
  const seconds = (performance.now() - started) / 1000;
  return { scenario: 'ceiling', rows: moved, rows_per_s: round(moved / seconds), connections: 1 };
}

const db = await benchDatabase();
const sim = await startSimulator({ seed: 42 });
const keyBytes = randomBytes(32);
const env: Env = {
  url: db.url,
  sql: db.sql,
  sim,
  box: new SecretBox(keyBytes),
  key: keyBytes.toString('hex'),
  org: await seedOrganization(db.sql, 'Benchmark'),
};
const scenarios: Record<string, () => Promise<unknown>> = {
  ceiling: () => ceiling(env),
  precision: () => precision(env),
  'top-of-hour': () => topOfTheHour(env, false),
  sustained: () => sustained(env),
  chaos: () => topOfTheHour(env, true),
};
const chosen = values.scenario === 'all' ? Object.keys(scenarios) : [values.scenario!];
const results: unknown[] = [];
try {
  for (const name of chosen) {
    const run = scenarios[name];
    if (!run) throw new Error(`unknown scenario ${name}; choose from ${Object.keys(scenarios).join(', ')}`);
    // Each scenario starts from an empty queue.
    await db.sql`delete from posts`;
    await db.sql`delete from channels`;
    const result = await run();
    results.push(result);
    process.stderr.write(`${JSON.stringify(result)}\n`);
  }
  process.stdout.write(
    `${JSON.stringify({ machine: { cores: os.cpus().length, node: process.version }, results }, null, 2)}\n`,
  );
} finally {
  await sim.close();
  await db.close();
}
