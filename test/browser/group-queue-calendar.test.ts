import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addSimulatorChannel,
  openTab,
  pageApi,
  type Stack,
  signUpInBrowser,
  startStack,
  type Tab,
} from './harness.ts';
import type { PageGlobals } from './page-globals.ts';

interface QueueItem {
  id: string;
  postId: string;
  channelId: string;
  text: string;
  dueAt: string;
  channel: { id: string; handle: string; network: string; timezone: string };
}

const NEWS_ZONE = 'America/New_York';

/** The wall-clock date and time of an instant in a zone: ['2026-11-03', '14:30']. */
function wallClock(iso: string, timeZone: string): [string, string] {
  const parts: Record<string, string> = {};
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  for (const part of format.formatToParts(new Date(iso))) parts[part.type] = part.value;
  return [`${parts.year}-${parts.month}-${parts.day}`, `${parts.hour}:${parts.minute}`];
}

function addDays(day: string, days: number): string {
  const date = new Date(`${day}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/**
 * A team with two channels in a profile group: the group's queue shows both channels' posts merged
 * in time order with their channel, and the calendar's week view moves a post to another day and
 * half hour, by dragging and by keyboard, in the channel's own time zone.
 */
describe('journey: a profile group queue, and the calendar week by the hour', () => {
  let stack: Stack;
  let tab: Tab;
  let page: Page;
  let orgId = '';
  const channelIds: Record<'shop' | 'news', string> = { shop: '', news: '' };

  beforeAll(async () => {
    stack = await startStack();
    tab = await openTab(stack.browser, stack.app.url, { prefix: 'group-queue-calendar' });
    page = tab.page;
  });
  afterAll(async () => {
    await stack?.close();
  });

  const apiGet = <T>(pathname: string) => pageApi(page, stack.app.url).get<T>(pathname);
  const apiWrite = <T>(method: 'PUT' | 'POST', pathname: string, data: unknown) =>
    pageApi(page, stack.app.url).write<T>(method, pathname, data);
  const groupQueue = async (groupId: string) =>
    (await apiGet<{ items: QueueItem[] }>(`/api/orgs/${orgId}/groups/${groupId}/queue`)).items;
  let groupId = '';

  it('signs up, connects two simulator channels and groups them', async () => {
    orgId = await signUpInBrowser(page, {
      name: 'Lena Park',
      email: `lena-${Date.now()}@example.com`,
      organization: 'Lena’s Plant Shop',
    });
    for (const handle of ['plantshop', 'plantnews']) await addSimulatorChannel(page, stack.sim, handle);
    const { channels } = await apiGet<{ channels: { id: string; handle: string }[] }>(
      `/api/orgs/${orgId}/channels`,
    );
    channelIds.shop = channels.find((c) => c.handle === 'plantshop')!.id;
    channelIds.news = channels.find((c) => c.handle === 'plantnews')!.id;
    // Posting times, and another time zone for the news channel, so the week view's times are its own.
    const every = (times: string[]) =>
      Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, times]));
    await apiWrite('PUT', `/api/orgs/${orgId}/channels/${channelIds.shop}/schedule`, {
      timezone: 'UTC',
      days: every(['09:00', '13:30', '18:00']),
    });
    await apiWrite('PUT', `/api/orgs/${orgId}/channels/${channelIds.news}/schedule`, {
      timezone: NEWS_ZONE,
      days: every(['08:00', '12:00', '16:00']),
    });

    await page.reload();
    const groupForm = page.getByRole('form', { name: 'New profile group' });
    await groupForm.getByLabel('New group name').fill('Plant brands');
    await groupForm.getByLabel('@plantshop · Mastodon').check();
    await groupForm.getByLabel('@plantnews · Mastodon').check();
    await groupForm.getByRole('button', { name: 'Create group' }).click();
    await expect
      .poll(
        async () =>
          (
            await apiGet<{ groups: { id: string; name: string; channelIds: string[] }[] }>(
              `/api/orgs/${orgId}/groups`,
            )
          ).groups,
      )
      .toEqual([expect.objectContaining({ name: 'Plant brands' })]);
    const { groups } = await apiGet<{ groups: { id: string; channelIds: string[] }[] }>(
      `/api/orgs/${orgId}/groups`,
    );
    groupId = groups[0]!.id;
    expect([...groups[0]!.channelIds].sort()).toEqual([channelIds.shop, channelIds.news].sort());
  });

  it('shows the group queue: both channels merged in time order, each post with its channel', async () => {
    const post = (channel: 'shop' | 'news', text: string) =>
      apiWrite('POST', `/api/orgs/${orgId}/posts`, {
        text,
        channelIds: [channelIds[channel]],
        schedule: { mode: 'queue' },
      });
    for (const text of [
      'Monstera care in 3 steps',
      'New terracotta pots in store',
      'Weekend repotting clinic',
    ]) {
      await post('shop', text);
    }
    for (const text of ['Plant news: succulents sold out', 'Plant news: the fern of the week']) {
      await post('news', text);
    }
    const expected = await groupQueue(groupId);
    expect(expected).toHaveLength(5);
    const instants = expected.map((item) => Date.parse(item.dueAt));
    expect(instants).toEqual([...instants].sort((a, b) => a - b));
    expect(new Set(expected.map((item) => item.channelId))).toEqual(new Set(Object.values(channelIds)));

    await page.getByRole('link', { name: 'Queue', exact: true }).click();
    const nav = page.getByRole('navigation', { name: 'Channels and groups' });
    await nav.getByRole('link', { name: /Plant brands/ }).click();
    await page.getByRole('heading', { name: 'Plant brands', level: 1 }).waitFor();
    await expect.poll(() => page.url()).toContain(`group=${groupId}`);
    const rows = page.locator('.group-queue-list > li');
    await expect
      .poll(() => rows.locator('.post-text').allTextContents())
      .toEqual(expected.map((i) => i.text));
    const handles = expected.map((item) => `@${item.channel.handle} · Mastodon`);
    expect(await rows.locator('.channel-tag').allTextContents()).toEqual(
      handles.map((h) => expect.stringContaining(h)),
    );
    expect(await rows.evaluateAll((lis) => lis.map((li) => li.getAttribute('data-channel-id')))).toEqual(
      expected.map((item) => item.channelId),
    );
    // Reordering belongs to a channel's queue: no drag handles here, and the page says why.
    expect(await page.locator('.group-queue-list .drag-handle').count()).toBe(0);
    await page.getByRole('note').getByText('Reordering is per channel').waitFor();
    await tab.shot('01-group-queue');

    // Delete works from the group view as from a channel's.
    const gone = expected.find((item) => item.text === 'New terracotta pots in store')!;
    page.once('dialog', (dialog) => void dialog.accept());
    await page
      .locator(`.group-queue-list li[data-target-id="${gone.id}"]`)
      .getByRole('button', { name: 'Delete' })
      .click();
    // The gap closes (the shop's later posts move up a slot), which may change the merged order:
    // the page must show what the API now says, without the deleted post.
    await expect.poll(async () => (await groupQueue(groupId)).map((i) => i.id)).not.toContain(gone.id);
    const after = await groupQueue(groupId);
    expect(after).toHaveLength(4);
    await expect.poll(() => rows.locator('.post-text').allTextContents()).toEqual(after.map((i) => i.text));

    // A paused channel's posts stay in the merged queue, marked as such.
    await apiWrite('POST', `/api/orgs/${orgId}/channels/${channelIds.news}/pause`, {});
    await page.reload();
    await page.getByRole('status').getByText('Paused: @plantnews · Mastodon').waitFor();
    const newsRows = page.locator(`.group-queue-list li[data-channel-id="${channelIds.news}"]`);
    await expect.poll(() => newsRows.getByText('Channel paused').count()).toBe(2);
    expect(await page.locator('.group-queue-list').getByText('Channel paused').count()).toBe(2);
    await tab.shot('01b-group-queue-paused');
    await apiWrite('POST', `/api/orgs/${orgId}/channels/${channelIds.news}/resume`, {});

    // A channel link from the note opens that channel's own, reorderable queue.
    await page.getByRole('note').getByRole('link', { name: '@plantshop · Mastodon' }).click();
    await page.getByRole('heading', { name: '@plantshop · Mastodon', level: 1 }).waitFor();
    await expect
      .poll(() => page.getByRole('button', { name: 'Drag to reorder (or Alt+↑/↓)' }).count())
      .toBe(2);
  });

  it('moves a post to another day and half hour in the week view, by drag and by keyboard', async () => {
    // A post the day after tomorrow at 10:00 in the news channel's zone: whichever neighbouring day
    // the drag then aims at (the next one, or the previous one on the week's last day) is still in
    // the future whatever the day and hour of the run.
    const [today] = wallClock(new Date().toISOString(), NEWS_ZONE);
    const postDay = addDays(today, 2);
    const created = await apiWrite<{ id: string; targets: { id: string }[] }>(
      'POST',
      `/api/orgs/${orgId}/posts`,
      {
        text: 'Plant news: orchid workshop',
        channelIds: [channelIds.news],
        schedule: { mode: 'custom', localTime: `${postDay}T10:00` },
      },
    );
    const targetId = created.targets[0]!.id;
    const dueAt = async () =>
      (
        await apiGet<{ targets: { id: string; dueAt: string }[] }>(`/api/orgs/${orgId}/posts/${created.id}`)
      ).targets.find((t) => t.id === targetId)!.dueAt;
    expect(wallClock(await dueAt(), NEWS_ZONE)).toEqual([postDay, '10:00']);

    await page.getByRole('link', { name: 'Calendar', exact: true }).click();
    await page.getByRole('heading', { name: 'Calendar' }).waitFor();
    await page.getByRole('button', { name: 'Week', exact: true }).click();
    await page.locator('.week-slots').waitFor();
    if ((await page.locator(`[data-day="${postDay}"][data-time="10:00"]`).count()) === 0) {
      await page.getByRole('button', { name: 'Next' }).click();
    }
    const item = page.locator(
      `[data-day="${postDay}"][data-time="10:00"] .cal-item[data-target-id="${targetId}"]`,
    );
    await item.waitFor();
    // One day later on the same week (or one day earlier when it is the week's last day), at 14:30.
    const later = addDays(postDay, 1);
    const toDay =
      (await page.locator(`[data-day="${later}"][data-time="14:30"]`).count()) > 0
        ? later
        : addDays(postDay, -1);
    const cell = page.locator(`[data-day="${toDay}"][data-time="14:30"]`);
    await item.scrollIntoViewIfNeeded();
    const from = (await item.boundingBox())!;
    const to = (await cell.boundingBox())!;
    const area = (await page.locator('.week-slots').boundingBox())!;
    expect(to.y, 'the 14:30 row is on screen with the post').toBeGreaterThan(area.y);
    expect(to.y + to.height, 'the 14:30 row is on screen with the post').toBeLessThan(area.y + area.height);

    await page.mouse.move(from.x + 8, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 12 });
    // Feedback while dragging: the cell under the pointer and a label saying where the post would go.
    await expect.poll(() => cell.getAttribute('class')).toContain('drop-target');
    expect(await page.locator('.week-drag-label').textContent()).toContain('14:30');
    await tab.shot('02-week-dragging');
    await page.mouse.up();

    await expect.poll(async () => wallClock(await dueAt(), NEWS_ZONE)).toEqual([toDay, '14:30']);
    const moved = page.locator(
      `[data-day="${toDay}"][data-time="14:30"] .cal-item[data-target-id="${targetId}"]`,
    );
    await expect.poll(() => moved.count()).toBe(1);
    await tab.shot('03-week-moved');

    // The keyboard alternative: Alt+↓ moves it 30 minutes later, and the focus stays on the post.
    await moved.focus();
    await page.keyboard.press('Alt+ArrowDown');
    await expect.poll(async () => wallClock(await dueAt(), NEWS_ZONE)).toEqual([toDay, '15:00']);
    await page
      .locator(`[data-day="${toDay}"][data-time="15:00"] .cal-item[data-target-id="${targetId}"]`)
      .waitFor();
    await expect.poll(() => page.locator(':focus').getAttribute('data-target-id')).toBe(targetId);
  });

  it('fits a phone: the group queue and the week view without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = () =>
      page.evaluate(() => {
        const w = globalThis as unknown as PageGlobals;
        return w.document.documentElement.scrollWidth - w.innerWidth;
      });
    await tab.shot('04-week-phone');
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.goto(`/queue?group=${groupId}`);
    await page.locator('.group-queue-list > li').first().waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await tab.shot('05-group-queue-phone');
    tab.assertNoConsoleErrors();
  });
});
