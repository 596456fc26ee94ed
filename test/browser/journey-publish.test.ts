import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTab, type Stack, samplePng, simAccount, startStack, type Tab } from './harness.ts';
import type { PageGlobals } from './page-globals.ts';

/**
 * The main journey of a small business, in real Chromium against the real server, publisher and
 * network simulator: sign up, connect two channels, set a schedule, compose to both with an image,
 * see the queue, reorder it, and watch a post publish live.
 */
describe('journey: from sign-up to a published post', () => {
  let stack: Stack;
  let tab: Tab;
  let page: Page;
  const email = `owner-${Date.now()}@example.com`;
  const channelIds: string[] = [];
  let orgId = '';

  beforeAll(async () => {
    stack = await startStack();
    tab = await openTab(stack.browser, stack.app.url, { prefix: 'publish' });
    page = tab.page;
  });
  afterAll(async () => {
    await stack?.close();
  });

  const api = async <T>(pathname: string): Promise<T> => {
    const response = await page.request.get(pathname);
    expect(response.status(), pathname).toBe(200);
    return (await response.json()) as T;
  };

  it('signs up, showing a server validation error next to the field first', async () => {
    await page.goto('/signup');
    await page.getByLabel('Your name').fill('Ana Baker');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('short');
    await page.getByLabel('Business or team name').fill('Ana’s Bakery');
    await page.getByRole('button', { name: 'Create account' }).click();
    const passwordError = page.locator('[data-field-error="password"]');
    await expect.poll(() => passwordError.textContent()).toContain('at least 10 characters');
    await expect.poll(() => page.getByLabel('Password').getAttribute('aria-invalid')).toBe('true');
    await tab.shot('01-signup-error');

    await page.getByLabel('Password').fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('**/channels');
    await page.getByRole('heading', { name: 'Channels' }).waitFor();
    const me = await api<{ organizations: { id: string; name: string }[] }>('/api/me');
    expect(me.organizations[0]?.name).toBe('Ana’s Bakery');
    orgId = me.organizations[0]!.id;
  });

  it('connects two simulator channels, with a field error for a bad URL', async () => {
    for (const [index, handle] of ['bakery', 'bakery_news'].entries()) {
      const account = await simAccount(stack.sim, 'mastodon');
      await page.getByRole('button', { name: 'Add with an access token' }).click();
      const form = page.getByRole('form', { name: 'Add a channel with an access token' });
      await form.getByLabel('Network').selectOption('mastodon');
      await form.getByLabel('Handle').fill(handle);
      await form.getByLabel('Account id (optional)').fill(account.id);
      await form.getByLabel('Access token').fill(account.accessToken);
      if (index === 0) {
        await form.getByLabel('Service URL').fill('not a url');
        await form.getByRole('button', { name: 'Add channel' }).click();
        await expect
          .poll(() => form.locator('[data-field-error="serviceUrl"]').textContent())
          .toContain('http(s) URL');
        await tab.shot('02-channel-field-error');
      }
      await form.getByLabel('Service URL').fill(`${stack.sim.url}/mastodon`);
      await form.getByRole('button', { name: 'Add channel' }).click();
      await page.getByRole('heading', { name: `@${handle} · Mastodon` }).waitFor();
    }
    const { channels } = await api<{ channels: { id: string; handle: string }[] }>(
      `/api/orgs/${orgId}/channels`,
    );
    expect(channels.map((c) => c.handle).sort()).toEqual(['bakery', 'bakery_news']);
    channelIds.push(
      channels.find((c) => c.handle === 'bakery')!.id,
      channels.find((c) => c.handle === 'bakery_news')!.id,
    );
  });

  it('sets a posting schedule on the weekday × time grid', async () => {
    for (const handle of ['bakery', 'bakery_news']) {
      const card = page.locator('.channel-card', {
        has: page.getByRole('heading', { name: `@${handle} · Mastodon` }),
      });
      await card.getByRole('button', { name: 'Schedule & time zone' }).click();
      for (const time of ['09:00', '13:30', '18:00']) {
        await card.getByLabel('New posting time').fill(time);
        await card.getByRole('button', { name: 'Add time' }).click();
      }
      await card.getByLabel('Sun at 09:00').uncheck();
      await card.getByRole('button', { name: 'Save schedule' }).click();
      await card.getByText('Schedule saved').waitFor();
    }
    await tab.shot('03-schedule');
    const channel = await api<{ schedule: Record<string, string[]> }>(
      `/api/orgs/${orgId}/channels/${channelIds[0]}`,
    );
    expect(channel.schedule.mon).toEqual(['09:00', '13:30', '18:00']);
    expect(channel.schedule.sun).toEqual(['13:30', '18:00']);
  });

  it('composes once for both channels with an image, checked live per network', async () => {
    await page.getByRole('link', { name: 'Compose', exact: true }).click();
    await page.getByRole('heading', { name: 'Compose' }).waitFor();
    await page.getByLabel('@bakery · Mastodon').check();
    await page.getByLabel('@bakery_news · Mastodon').check();
    await page.getByLabel('What do you want to share?').fill('x'.repeat(520));
    // Mastodon allows 500 characters: the composer says so before the server has to.
    await page.getByText('Mastodon posts can be at most 500 characters').first().waitFor();
    expect(await page.getByRole('button', { name: 'Add to queue' }).isDisabled()).toBe(true);
    await page.getByLabel('What do you want to share?').fill('Fresh sourdough out of the oven at 7 🍞');

    const image = await samplePng(path.join(os.tmpdir(), `spool-journey-${Date.now()}.png`));
    await page.locator('input[type="file"]').setInputFiles(image);
    const alt = page.getByLabel(/^Alt text for/);
    await alt.waitFor();
    await alt.fill('A loaf of sourdough on a wooden board');
    await page.getByRole('tab', { name: '@bakery_news · Mastodon' }).click();
    await page.getByLabel('Customise the text for @bakery_news · Mastodon').check();
    await page.getByLabel('Text on @bakery_news · Mastodon').fill('News: fresh sourdough at 7 🍞');
    await tab.shot('04-composer');
    await page.getByRole('button', { name: 'Add to queue' }).click();
    await page.getByText('Scheduled on 2 channels.').waitFor();

    // Two more for the first channel, so its queue has something to reorder.
    await page.getByRole('tab', { name: 'All channels' }).click();
    await page.getByLabel('@bakery_news · Mastodon').uncheck();
    for (const text of ['Croissants are back on Saturday', 'Closed on Monday for a holiday']) {
      await page.getByLabel('What do you want to share?').fill(text);
      await page.getByRole('button', { name: 'Add to queue' }).click();
      await page.getByText('Scheduled on 1 channel.').waitFor();
    }
  });

  it('shows both posts in the queues, and reorders by drag and by keyboard', async () => {
    await page.getByRole('link', { name: 'Queue', exact: true }).click();
    await page.getByRole('heading', { name: '@bakery · Mastodon' }).waitFor();
    const texts = () => page.locator('.queue-list .post-text').allTextContents();
    await expect
      .poll(texts)
      .toEqual([
        'Fresh sourdough out of the oven at 7 🍞',
        'Croissants are back on Saturday',
        'Closed on Monday for a holiday',
      ]);
    await expect.poll(() => page.locator('.queue-list img').count()).toBeGreaterThan(0);
    await tab.shot('05-queue');

    // Drag the last post to the top by its handle.
    const handles = page.getByRole('button', { name: 'Drag to reorder (or Alt+↑/↓)' });
    const from = (await handles.nth(2).boundingBox())!;
    const to = (await handles.nth(0).boundingBox())!;
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(to.x + to.width / 2, to.y + 5, { steps: 8 });
    await tab.shot('06-dragging');
    await page.mouse.up();
    await expect
      .poll(texts)
      .toEqual([
        'Closed on Monday for a holiday',
        'Fresh sourdough out of the oven at 7 🍞',
        'Croissants are back on Saturday',
      ]);
    // The server agrees (the queue took the slots in the new order).
    await expect
      .poll(async () =>
        (
          await api<{ items: { text: string }[] }>(`/api/orgs/${orgId}/channels/${channelIds[0]}/queue`)
        ).items.map((t) => t.text),
      )
      .toEqual([
        'Closed on Monday for a holiday',
        'Fresh sourdough out of the oven at 7 🍞',
        'Croissants are back on Saturday',
      ]);

    // Keyboard: "Move down" on the first post.
    await page
      .locator('.queue-list li[data-target-id]')
      .first()
      .getByRole('button', { name: 'Move down' })
      .click();
    await expect
      .poll(texts)
      .toEqual([
        'Fresh sourdough out of the oven at 7 🍞',
        'Closed on Monday for a holiday',
        'Croissants are back on Saturday',
      ]);

    await page.getByRole('link', { name: '@bakery_news · Mastodon' }).click();
    await expect.poll(texts).toEqual(['News: fresh sourdough at 7 🍞']);
  });

  it('publishes a post and shows its status change live, without a reload', async () => {
    await page.getByRole('link', { name: '@bakery · Mastodon' }).click();
    await page.getByRole('heading', { name: '@bakery · Mastodon' }).waitFor();
    await page.evaluate(() => {
      (globalThis as unknown as PageGlobals).journeyMarker = 'still here';
    });
    const row = page.locator('.queue-list li', { hasText: 'Closed on Monday for a holiday' });
    await row.getByRole('button', { name: 'Share now' }).click();
    const published = page.locator('.recent [data-status="published"]');
    await published.waitFor({ timeout: 20_000 }).catch(async (error) => {
      await tab.shot('debug-publish');
      console.log(await stack.app.sql`select status, due_at, last_error from post_targets`);
      throw error;
    });
    await page.locator('.recent').getByRole('link', { name: 'View on the network' }).waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).journeyMarker)).toBe(
      'still here',
    );
    await tab.shot('07-published-live');
    const posts = stack.sim.state.listPosts({});
    expect(JSON.stringify(posts)).toContain('Closed on Monday for a holiday');
  });

  it('reschedules a post by dragging it to another day on the calendar', async () => {
    await page.getByRole('link', { name: 'Calendar', exact: true }).click();
    await page.getByRole('heading', { name: 'Calendar' }).waitFor();
    const item = page.locator('.cal-item', { hasText: 'Croissants are back on Saturday' });
    await item.waitFor();
    const before = (await item.getAttribute('data-target-id'))!;
    const fromDay = (await item.locator('xpath=ancestor::*[@data-day][1]').getAttribute('data-day'))!;
    // Two days later, which is always on the grid (the grid shows six whole weeks).
    const target = new Date(`${fromDay}T12:00:00Z`);
    target.setUTCDate(target.getUTCDate() + 2);
    const toDay = target.toISOString().slice(0, 10);
    let cell = page.locator(`[data-day="${toDay}"]`);
    if ((await cell.count()) === 0) {
      await page.getByRole('button', { name: 'Next' }).click();
      cell = page.locator(`[data-day="${toDay}"]`);
    }
    const box = (await item.boundingBox())!;
    const drop = (await cell.boundingBox())!;
    await page.mouse.move(box.x + 10, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(drop.x + drop.width / 2, drop.y + drop.height / 2, { steps: 10 });
    await tab.shot('08-calendar-dragging');
    await page.mouse.up();
    await expect
      .poll(() => page.locator(`[data-day="${toDay}"] .cal-item[data-target-id="${before}"]`).count())
      .toBe(1);
    // The server moved it: same time of day in the channel's zone, two days later, now a custom time.
    const movedTarget = async () =>
      (
        await api<{ items: { id: string; dueAt: string; slot: string }[] }>(
          `/api/orgs/${orgId}/channels/${channelIds[0]}/queue`,
        )
      ).items.find((t) => t.id === before);
    await expect.poll(async () => (await movedTarget())?.slot).toBe('custom');
    const channel = await api<{ timezone: string }>(`/api/orgs/${orgId}/channels/${channelIds[0]}`);
    const localDay = new Intl.DateTimeFormat('en-CA', { timeZone: channel.timezone }).format(
      new Date((await movedTarget())!.dueAt),
    );
    expect(localDay).toBe(toDay);
    await tab.shot('09-calendar');
  });

  it('moves an idea across the board by dragging, then turns it into a post', async () => {
    await page.getByRole('link', { name: 'Ideas', exact: true }).click();
    await page.getByRole('heading', { name: 'Ideas' }).waitFor();
    await page.getByLabel('Idea title').fill('Behind the scenes');
    await page.getByLabel('Notes or draft text').fill('A morning in the bakery, from flour to loaf');
    await page.getByRole('button', { name: 'Add idea' }).click();
    const card = page.locator('.idea', { hasText: 'Behind the scenes' });
    await card.waitFor();
    const columns = page.locator('[data-column-id]');
    expect(await columns.count()).toBeGreaterThan(1);
    const secondColumn = columns.nth(1);
    const secondId = (await secondColumn.getAttribute('data-column-id'))!;
    const from = (await card.locator('h3').boundingBox())!;
    const to = (await secondColumn.boundingBox())!;
    await page.mouse.move(from.x + 5, from.y + 5);
    await page.mouse.down();
    await page.mouse.move(to.x + to.width / 2, to.y + 60, { steps: 10 });
    await page.mouse.up();
    await expect.poll(() => secondColumn.locator('.idea', { hasText: 'Behind the scenes' }).count()).toBe(1);
    await expect
      .poll(
        async () =>
          (await api<{ ideas: { title: string; columnId: string }[] }>(`/api/orgs/${orgId}/ideas`)).ideas,
      )
      .toContainEqual(expect.objectContaining({ title: 'Behind the scenes', columnId: secondId }));
    await tab.shot('10-ideas');

    await secondColumn.getByRole('button', { name: 'Open in composer' }).click();
    await page.getByRole('heading', { name: 'Compose' }).waitFor();
    await expect
      .poll(() => page.getByLabel('What do you want to share?').inputValue())
      .toBe('A morning in the bakery, from flour to loaf');
    await page.getByLabel('@bakery_news · Mastodon').check();
    await page.getByRole('button', { name: 'Add to queue' }).click();
    await page.getByText('Scheduled on 1 channel.').waitFor();
    const queue = await api<{ items: { text: string }[] }>(
      `/api/orgs/${orgId}/channels/${channelIds[1]}/queue`,
    );
    expect(queue.items.map((t) => t.text)).toContain('A morning in the bakery, from flour to loaf');
    tab.assertNoConsoleErrors();
  });
});
