import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { connect, type Sql } from '../src/db/connection.ts';
import { listCalendar } from '../src/domain/posts/list-calendar.ts';
import { listQueue } from '../src/domain/queue/list-queue.ts';
import { parsePostingSchedule } from '../src/domain/schedule/schedule.ts';
import { nextSlots } from '../src/domain/schedule/slots.ts';
import { encodeCursor } from '../src/http/schemas/pagination.ts';
import { benchDatabase, percentile, round, startSpoolApi } from './support/environment.ts';

const { values } = parseArgs({ options: { clients: { type: 'string', default: '16' } } });
const CLIENTS = Number(values.clients);
const _BIN = new URL('../bin/spool.js', import.meta.url).pathname;
const HOURS = ['07', '08', '09', '10', '11', '12', '13', '14', '15', '16', '17', '18', '19', '20', '21'];
const DAYS = Object.fromEntries(
  ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, HOURS.map((h) => `${h}:00`)]),
);
const SCHEDULE = parsePostingSchedule({ timezone: 'UTC', days: DAYS });

interface Session {
  base: string;
  /**
   * The clients: an undici pool of keep-alive connections, as a load generator (autocannon, k6)
   * drives a server. `fetch` costs more CPU per request than the API's own work, and here it shares
   * the API's 2 cores; real clients run on other machines.
   */
  clients: Pool;
  cookie: string;
  csrf: string;
  userId: string;
  orgId: string;
}

/**
 * Database connections of the API process (and of the queries-alone measurement): twice the cores.
 * With PostgreSQL on the same 2 cores, 16 requests on 16 connections mean 16 backends taking turns
 * on 2 CPUs; 4 connections (the driver queues the rest) served about twice the requests a second
 * at a lower p99 in our runs (see docs/benchmarks.md).
 */
const POOL_SIZE = 2 * os.cpus().length;
const startApi = (databaseUrl: string, dataDir: string) =>
  startSpoolApi(databaseUrl, dataDir, { DATABASE_POOL_SIZE: String(POOL_SIZE) });

async function signUp(base: string): Promise<Session> {
  const res = await fetch(`${base}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({
      email: `bench-${randomUUID()}@example.com`,
      password: 'a long benchmark password',
      organizationName: 'Bench one',
    }),
  });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as {
    user: { id: string };
    organizations: { id: string }[];
    csrfToken: string;
  };
  const cookie = res.headers
    .getSetCookie()
    .find((c) => c.startsWith('spool_session='))!
    .split(';')[0]!;
  return {
    base,
    clients: new Pool(base, { connections: CLIENTS, pipelining: 1 }),
    cookie,
    csrf: body.csrfToken,
    userId: body.user.id,
    orgId: body.organizations[0]!.id,
  };
}

async function call(session: Session, method: 'GET' | 'POST', url: string, body?: unknown): Promise<number> {
  const res = await session.clients.request({
    method,
    path: url,
    headers: {
      cookie: session.cookie,
      ...(method === 'GET' ? {} : { 'x-csrf-token': session.csrf, origin: session.base }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await res.body.arrayBuffer();
  return res.statusCode;
}

async function seedChannels(sql: Sql, orgId: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  await sql`
    insert into channels (id, organization_id, network, account_id, handle, timezone, schedule)
    select id, ${orgId}, 'mastodon', id::text, 'bench-' || left(id::text, 8), 'UTC', ${sql.json(DAYS)}
    from unnest(${ids}::uuid[]) as id`;
  return ids;
}

/** `perChannel` queued posts on each channel, in the channel's next slots, in bulk (unnest). */
async function seedQueues(sql: Sql, orgId: string, userId: string, channelIds: string[], perChannel: number) {
  const dues = nextSlots(SCHEDULE, new Date(), perChannel).map((d) => d.toISOString());
  for (const channelId of channelIds) {
    for (let from = 0; from < perChannel; from += 10_000) {
      const slice = dues.slice(from, from + 10_000);
      const postIds = slice.map(() => randomUUID());
      const texts = slice.map(
        (_, i) => `Queued post ${from + i + 1}: a short update with a link https://example.com/${i}`,
      );
      await sql`
        insert into posts (id, organization_id, author_user_id, text)
        select id, ${orgId}, ${userId}, text from unnest(${postIds}::uuid[], ${texts}::text[]) as u(id, text)`;
      await sql`
        insert into post_targets (post_id, organization_id, channel_id, status, due_at)
        select id, ${orgId}, ${channelId}, 'queued', due
        from unnest(${postIds}::uuid[], ${slice}::timestamptz[]) as u(id, due)`;
    }
  }
}

interface Figures {
  requests: number;
  errors: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  per_second: number;
}

/** Runs `total` requests from `clients` concurrent loops; `request(i)` returns the HTTP status. */
async function measure(
  total: number,
  clients: number,
  request: (i: number) => Promise<number>,
): Promise<Figures> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < total; i = next++) {
        const t0 = performance.now();
        const status = await request(i);
        latencies.push(performance.now() - t0);
        if (status >= 300) errors++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: total,
    errors,
    p50_ms: round(percentile(latencies, 50), 1),
    p99_ms: round(percentile(latencies, 99), 1),
    max_ms: round(latencies[latencies.length - 1] ?? Number.NaN, 1),
    per_second: round(total / seconds),
  };
}

/**
 * The plan's index scans and its execution time (fastest and slowest of 5), from EXPLAIN (ANALYZE)
 * of the API's own queries.
 */
async function explain(sql: Sql, query: string, params: (string | number)[]) {
  const runs: string[][] = [];
  for (let i = 0; i < 5; i++) {
    const rows = await sql.unsafe<{ 'QUERY PLAN': string }[]>(`explain (analyze, buffers) ${query}`, params);
    runs.push(rows.map((r) => r['QUERY PLAN']));
  }
  const plan = runs[0]!;
  const times = runs.map((lines) => Number(/Execution Time: ([\d.]+)/.exec(lines.join('\n'))?.[1]));
  return {
    indexes: [...new Set(plan.flatMap((line) => /using (\w+)/i.exec(line)?.[1] ?? []))],
    seq_scans: plan.filter((line) => /Seq Scan/.test(line)).length,
    execution_ms_min: Math.min(...times),
    execution_ms_max: Math.max(...times),
  };
}

const TARGET_COLUMNS = `t.id, t.post_id, t.channel_id, t.status, t.due_at, t.text_override, t.media_override, t.options,
  t.requested_schedule, t.published_at, t.network_post_id, t.network_post_url, t.last_error_code, t.last_error,
  t.created_at, t.updated_at, p.text, p.media, jsonb_array_length(p.thread) as thread_parts, p.tags, p.title, p.rejection_reason`;

async function main() {
  const db = await benchDatabase();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-bench-queue-'));
  const api = await startApi(db.url, dataDir);
  try {
    const one = await signUp(api.url);
    const [orgTwo] = await db.sql<
      { id: string }[]
    >`insert into organizations (name) values ('Bench two') returning id`;
    await db.sql`insert into memberships (organization_id, user_id, role) values (${orgTwo!.id}, ${one.userId}, 'owner')`;
    const two: Session = { ...one, orgId: orgTwo!.id };

    const seedStarted = performance.now();
    const [big] = await seedChannels(db.sql, one.orgId, 1);
    const many = await seedChannels(db.sql, two.orgId, 100);
    await seedQueues(db.sql, one.orgId, one.userId, [big!], 10_000);
    await seedQueues(db.sql, two.orgId, one.userId, many, 1_000);
    await db.sql`analyze`;
    const seed = { targets: 110_000, seconds: round((performance.now() - seedStarted) / 1000, 1) };

    const queueUrl = `/api/orgs/${one.orgId}/channels/${big}/queue`; // the default page: 25 posts
    const [middle] = await db.sql<{ key: string; id: string }[]>`
      select to_char(due_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as key, id from post_targets
      where channel_id = ${big!} and status in ('queued', 'scheduled') order by due_at, id offset 5000 limit 1`;
    const deepUrl = `${queueUrl}?cursor=${encodeCursor(middle!)}`;
    const from = new Date();
    const to = new Date(from.getTime() + 30 * 86_400_000);
    const calendarUrl = `/api/orgs/${two.orgId}/calendar?from=${from.toISOString()}&to=${to.toISOString()}`; // the default page: 100 posts

    const operations: Record<string, Figures> = {};
    // Warm up connections and caches.
    await measure(200, CLIENTS, () => call(one, 'GET', queueUrl));
    // The floor on this machine: a health check (with the session cookie, so it resolves the
    // session) and the smallest organization read (session and role in one query).
    operations.health_check = await measure(6000, CLIENTS, () => call(one, 'GET', '/livez'));
    operations.organization = await measure(6000, CLIENTS, () => call(one, 'GET', `/api/orgs/${one.orgId}`));
    // One client shows the service time of a request; 16 show it under contention for 2 cores.
    operations.list_queue_first_page_1_client = await measure(500, 1, () => call(one, 'GET', queueUrl));
    operations.list_queue_first_page = await measure(3000, CLIENTS, () => call(one, 'GET', queueUrl));
    operations.list_queue_page_at_5000 = await measure(3000, CLIENTS, () => call(one, 'GET', deepUrl));
    operations.calendar_one_month_1_client = await measure(500, 1, () => call(two, 'GET', calendarUrl));
    operations.calendar_one_month = await measure(3000, CLIENTS, () => call(two, 'GET', calendarUrl));

    // The same listing and calendar queries as the API runs them (its own functions, through the
    // driver and a pool like the API's), 16 callers at once: the database's answer time under that
    // concurrency, without the HTTP layer.
    const pool = connect(db.url, { max: POOL_SIZE, applicationName: 'bench-queries' });
    try {
      const byQuery = (run: () => Promise<unknown>) => () => run().then(() => 200);
      await measure(
        400,
        CLIENTS,
        byQuery(() => listQueue(pool, { organizationId: one.orgId, channelId: big!, limit: 25 })),
      );
      operations.query_list_queue_first_page = await measure(
        5000,
        CLIENTS,
        byQuery(() => listQueue(pool, { organizationId: one.orgId, channelId: big!, limit: 25 })),
      );
      operations.query_calendar_one_month = await measure(
        5000,
        CLIENTS,
        byQuery(() => listCalendar(pool, { organizationId: two.orgId, from, to, limit: 100 })),
      );
    } finally {
      await pool.end();
    }

    const reorder = async (clients: number, total: number) => {
      const [{ n } = { n: 0 }] = await db.sql<{ n: number }[]>`
        select count(*)::int as n from post_targets where channel_id = ${big!} and status = 'queued' and due_at > now()`;
      const heads = await db.sql<{ id: string }[]>`
        select id from post_targets where channel_id = ${big!} and status = 'queued' and due_at > now()
        order by due_at, id limit ${total}`;
      return measure(total, clients, (i) =>
        call(one, 'POST', `/api/orgs/${one.orgId}/channels/${big}/queue/reorder`, {
          targetId: heads[i]!.id,
          index: n - 1,
        }),
      );
    };
    operations.reorder_first_to_last_10k_1_client = await reorder(1, 20);
    operations.reorder_first_to_last_10k = await reorder(CLIENTS, 64);

    const add = (session: Session, channelId: () => string) => (i: number) =>
      call(session, 'POST', `/api/orgs/${session.orgId}/posts`, {
        text: `Added by the benchmark #${i}`,
        channelIds: [channelId()],
        schedule: { mode: 'queue' },
      });
    operations.add_to_queue_10k_1_client = await measure(
      50,
      1,
      add(one, () => big!),
    );
    operations.add_to_queue_10k = await measure(
      320,
      CLIENTS,
      add(one, () => big!),
    );
    operations.add_to_queue_1k_channels = await measure(
      1600,
      CLIENTS,
      add(two, () => many[Math.floor(Math.random() * many.length)]!),
    );

    const plans = {
      list_queue: await explain(
        db.sql,
        `select ${TARGET_COLUMNS} from post_targets t join posts p on p.id = t.post_id
         where t.channel_id = $1 and t.status in ('queued', 'scheduled') order by t.due_at, t.id limit 26`,
        [big!],
      ),
      list_queue_page_at_5000: await explain(
        db.sql,
        `select ${TARGET_COLUMNS} from post_targets t join posts p on p.id = t.post_id
         where t.channel_id = $1 and t.status in ('queued', 'scheduled')
           and t.due_at >= $2::timestamptz and (t.due_at, t.id) > ($2::timestamptz, $3::uuid)
         order by t.due_at, t.id limit 26`,
        [big!, middle!.key, middle!.id],
      ),
      calendar_one_month: await explain(
        db.sql,
        `select ${TARGET_COLUMNS} from post_targets t join posts p on p.id = t.post_id
         where t.organization_id = $1 and t.due_at >= $2::timestamptz and t.due_at < $3::timestamptz
         order by t.due_at, t.id limit 101`,
        [two.orgId, from.toISOString(), to.toISOString()],
      ),
    };

    await one.clients.close();
    process.stdout.write(
      `${JSON.stringify({ machine: { cpus: os.cpus().length, node: process.version, load_average_1m: round(os.loadavg()[0]!, 1) }, clients: CLIENTS, database_pool_size: POOL_SIZE, seed, operations, plans }, null, 2)}\n`,
    );
  } finally {
    api.child.kill('SIGTERM');
    await new Promise((resolve) => api.child.once('exit', resolve));
    await db.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

await main();
