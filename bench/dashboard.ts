import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Page } from 'playwright-core';
import type { Sql } from '../src/db/connection.ts';
import type { PageGlobals } from '../test/browser/page-globals.ts';
import { benchDatabase, percentile, round, startSpoolApi } from './support/environment.ts';

const _BIN = new URL('../bin/spool.js', import.meta.url).pathname;
const DIST = new URL('../web/dist/', import.meta.url).pathname;
const CALENDAR_POSTS = 2_000;
const QUEUE_POSTS = 1_000;
const LIMITS = { firstRenderMs: 500, dragFeedbackMs: 100, bundleGzipKb: 250 };

const startApi = (databaseUrl: string, dataDir: string) => startSpoolApi(databaseUrl, dataDir);

async function signUp(base: string) {
  const res = await fetch(`${base}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({
      email: `bench-${randomUUID()}@example.com`,
      password: 'a long benchmark password',
      organizationName: 'Dashboard bench',
    }),
  });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { user: { id: string }; organizations: { id: string }[] };
  const cookie = res.headers
    .getSetCookie()
    .find((c) => c.startsWith('spool_session='))!
    .split(';')[0]!
    .split('=');
  return { userId: body.user.id, orgId: body.organizations[0]!.id, cookieValue: cookie.slice(1).join('=') };
}

async function seed(sql: Sql, orgId: string, userId: string) {
  const channelIds = Array.from({ length: 5 }, () => randomUUID());
  await sql`
    insert into channels (id, organization_id, network, account_id, handle, timezone, schedule)
    select id, ${orgId}, 'mastodon', id::text, 'bench-' || left(id::text, 8), 'UTC', '{}'::jsonb
    from unnest(${channelIds}::uuid[]) as id`;
  const now = new Date();
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1, 6);
  const daysInMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0)).getUTCDate();
  const insert = async (channelOf: (i: number) => string, dues: Date[], status: string, label: string) => {
    const postIds = dues.map(() => randomUUID());
    await sql`
      insert into posts (id, organization_id, author_user_id, text)
      select id, ${orgId}, ${userId}, ${label} || ' ' || n from unnest(${postIds}::uuid[]) with ordinality as u(id, n)`;
    await sql`
      insert into post_targets (post_id, organization_id, channel_id, status, due_at)
      select id, ${orgId}, channel, ${status}, due
      from unnest(${postIds}::uuid[], ${dues.map((_, i) => channelOf(i))}::uuid[], ${dues.map((d) => d.toISOString())}::timestamptz[])
        as u(id, channel, due)`;
  };
  // 2,000 custom-time posts spread over this month on four channels.
  const monthDues = Array.from(
    { length: CALENDAR_POSTS },
    (_, i) =>
      new Date(monthStart + (i % daysInMonth) * 86_400_000 + Math.floor(i / daysInMonth) * 7 * 60_000),
  );
  await insert((i) => channelIds[1 + (i % 4)]!, monthDues, 'scheduled', 'Calendar post');
  // 1,000 queued posts on the first channel, from three months ahead (outside the month shown).
  const queueStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 3, 1, 6);
  const queueDues = Array.from({ length: QUEUE_POSTS }, (_, i) => new Date(queueStart + i * 3_600_000));
  await insert(() => channelIds[0]!, queueDues, 'queued', 'Queued post');
  return { queueChannelId: channelIds[0]! };
}

/** Records when each API answer's body was read, so rendering can be told apart from loading. */
const INSTRUMENT = `
  window.__apiDone = [];
  const text = Response.prototype.text;
  Response.prototype.text = async function () {
    const body = await text.call(this);
    window.__apiDone.push({ url: this.url, at: performance.now() });
    return body;
  };
`;

async function paintedAt(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve) =>
        (globalThis as unknown as PageGlobals).requestAnimationFrame(() =>
          setTimeout(() => resolve(performance.now()), 0),
        ),
      ),
  );
}

/** Three loads of a screen; the median of each figure (the first load also warms the server). */
async function measureScreen(page: Page, url: string, selector: string, count: number, apiPart: string) {
  const runs: Awaited<ReturnType<typeof loadScreen>>[] = [];
  for (let i = 0; i < 3; i++) runs.push(await loadScreen(page, url, selector, count, apiPart));
  const median = (key: keyof (typeof runs)[number]) => runs.map((r) => r[key]).sort((a, b) => a - b)[1]!;
  return {
    firstPostsMs: median('firstPostsMs'),
    allPostsMs: median('allPostsMs'),
    renderAfterLastAnswerMs: median('renderAfterLastAnswerMs'),
    runs,
  };
}

async function loadScreen(page: Page, url: string, selector: string, count: number, apiPart: string) {
  await page.goto(url);
  await page.waitForSelector(selector, { timeout: 60_000 });
  const firstPostsMs = round(await paintedAt(page), 1);
  if (process.env.BENCH_DEBUG) {
    console.error(
      url,
      firstPostsMs,
      JSON.stringify(await page.evaluate(() => (globalThis as unknown as PageGlobals).__apiDone)),
    );
  }
  await page.waitForFunction(
    ([s, n]) =>
      (globalThis as unknown as PageGlobals).document.querySelectorAll(s as string).length >= (n as number),
    [selector, count],
    {
      timeout: 60_000,
      polling: 'raf',
    },
  );
  const painted = await paintedAt(page);
  const lastApi = await page.evaluate(
    (part) =>
      Math.max(
        ...((globalThis as unknown as PageGlobals).__apiDone as { url: string; at: number }[])
          .filter((d) => d.url.includes(part))
          .map((d) => d.at),
      ),
    apiPart,
  );
  return {
    firstPostsMs,
    allPostsMs: round(painted, 1),
    renderAfterLastAnswerMs: round(painted - lastApi, 1),
  };
}

/** Drags from one element over others; each pointer move's feedback latency is move → mutation → frame. */
async function measureDrag(
  page: Page,
  handle: string,
  over: string[],
  watch: string,
  attribute: 'class' | 'childList',
) {
  await page.evaluate(
    ([watchSelector, kind]) => {
      const page = globalThis as unknown as PageGlobals;
      const w = page as unknown as { __moves: number[]; __feedback: number[] };
      w.__moves = [];
      w.__feedback = [];
      page.addEventListener('pointermove', (e) => w.__moves.push(e.timeStamp), { capture: true });
      const observer = new page.MutationObserver(() => {
        const since = w.__moves[w.__moves.length - 1];
        if (since === undefined) return;
        page.requestAnimationFrame(() => w.__feedback.push(performance.now() - since));
      });
      observer.observe(page.document.querySelector(watchSelector as string)!, {
        subtree: true,
        attributes: kind === 'class',
        attributeFilter: kind === 'class' ? ['class'] : undefined,
        childList: kind === 'childList',
      });
    },
    [watch, attribute],
  );
  const start = (await page.locator(handle).first().boundingBox())!;
  await page.mouse.move(start.x + start.width / 2, start.y + start.height / 2);
  await page.mouse.down();
  for (const selector of over) {
    const box = (await page.locator(selector).first().boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 3 });
    await page.waitForTimeout(30);
  }
  const feedback = await page.evaluate(() =>
    ((globalThis as unknown as PageGlobals).__feedback as number[]).slice(),
  );
  await page.keyboard.press('Escape');
  await page.mouse.move(start.x + start.width / 2, start.y + start.height / 2, { steps: 2 });
  await page.mouse.up();
  const sorted = feedback.sort((a, b) => a - b);
  return {
    samples: sorted.length,
    p50Ms: round(percentile(sorted, 50), 1),
    maxMs: round(sorted[sorted.length - 1] ?? 0, 1),
  };
}

async function mainBundleGzipKb(): Promise<{ file: string; gzipKb: number; rawKb: number }> {
  const html = await fs.readFile(path.join(DIST, 'index.html'), 'utf8');
  const file = /<script[^>]+src="\/(assets\/[^"]+\.js)"/.exec(html)?.[1];
  if (!file) throw new Error('no entry script in web/dist/index.html; run npm run build:web');
  const body = await fs.readFile(path.join(DIST, file));
  return {
    file,
    rawKb: round(body.length / 1024, 1),
    gzipKb: round(gzipSync(body, { level: 9 }).length / 1024, 1),
  };
}

async function main() {
  const bundle = await mainBundleGzipKb();
  const db = await benchDatabase();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-bench-web-'));
  const api = await startApi(db.url, dataDir);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
  try {
    const session = await signUp(api.url);
    const { queueChannelId } = await seed(db.sql, session.orgId, session.userId);
    const context = await browser.newContext({
      viewport: { width: 1440, height: 1000 },
      serviceWorkers: 'block',
    });
    const host = new URL(api.url);
    await context.addCookies([
      { name: 'spool_session', value: session.cookieValue, domain: host.hostname, path: '/' },
    ]);
    await context.addInitScript(INSTRUMENT);
    const page = await context.newPage();

    // Warm-up: the first load compiles the bundle; users load it once and keep it cached.
    await page.goto(`${api.url}/queue`);
    await page.waitForSelector('.queue-page, .empty-state');

    const calendar = await measureScreen(
      page,
      `${api.url}/calendar`,
      '.cal-item',
      CALENDAR_POSTS,
      '/calendar',
    );
    const calendarDrag = await measureDrag(
      page,
      '[data-day] .cal-item',
      [
        '.day:nth-of-type(12)',
        '.day:nth-of-type(20)',
        '.day:nth-of-type(27)',
        '.day:nth-of-type(33)',
        '.day:nth-of-type(18)',
      ],
      '.calendar-grid',
      'class',
    );
    const queue = await measureScreen(
      page,
      `${api.url}/queue?channel=${queueChannelId}`,
      '.queue-list > li',
      QUEUE_POSTS,
      '/queue',
    );
    const queueDrag = await measureDrag(
      page,
      '.drag-handle',
      [
        '.queue-list > li:nth-child(3)',
        '.queue-list > li:nth-child(5)',
        '.queue-list > li:nth-child(2)',
        '.queue-list > li:nth-child(4)',
      ],
      '.queue-list',
      'childList',
    );
    const result = {
      calendarMonth: { posts: CALENDAR_POSTS, ...calendar, drag: calendarDrag },
      queue: { posts: QUEUE_POSTS, ...queue, drag: queueDrag },
      mainBundle: bundle,
      limits: LIMITS,
      pass:
        calendar.firstPostsMs < LIMITS.firstRenderMs &&
        queue.firstPostsMs < LIMITS.firstRenderMs &&
        calendarDrag.maxMs < LIMITS.dragFeedbackMs &&
        queueDrag.maxMs < LIMITS.dragFeedbackMs &&
        bundle.gzipKb <= LIMITS.bundleGzipKb,
    };
    console.log(JSON.stringify(result, null, 2));
    if (!result.pass) process.exitCode = 1;
  } finally {
    await browser.close();
    api.child.kill('SIGTERM');
    await new Promise((resolve) => api.child.once('exit', resolve));
    await db.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

await main();
