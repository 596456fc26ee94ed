import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpUser } from '../support/http-client.ts';
import {
  addSimulatorChannel,
  openTab,
  pageApi,
  type Stack,
  samplePng,
  signUpInBrowser,
  startStack,
  type Tab,
} from './harness.ts';
import type { PageGlobals } from './page-globals.ts';

/**
 * The composer's threads and per-channel link settings, in real Chromium against the real server,
 * publisher and network simulator: write a three-part thread (a part over Mastodon's limit is
 * flagged on that part), reorder it with the keyboard, turn on UTM tags for one channel, queue it,
 * then share it now from the edit view and see the simulator receive three chained replies.
 */
describe('composer: a thread, and link shortening and UTM tags per channel', () => {
  let stack: Stack;
  let tab: Tab;
  let page: Page;
  let orgId = '';
  const channels: { id: string; handle: string; accountId: string }[] = [];
  let postId = '';

  const MAIN = 'Our spring menu is out: https://bakery.example/menu';
  const SECOND = 'Rhubarb tarts, every morning from 7.';
  const THIRD = 'See you at the counter!';
  const LONG_SECOND = `${SECOND} ${'Crust. '.repeat(80)}`;

  beforeAll(async () => {
    stack = await startStack();
    tab = await openTab(stack.browser, stack.app.url, { prefix: 'composer-thread' });
    page = tab.page;
  });
  afterAll(async () => {
    await stack?.close();
  });

  const apiGet = <T>(pathname: string) => pageApi(page, stack.app.url).get<T>(pathname);
  const apiWrite = (method: 'PUT' | 'POST', pathname: string, data: unknown) =>
    pageApi(page, stack.app.url).write(method, pathname, data);
  const part = (position: number) => page.locator(`[data-thread-part="${position}"]`);
  const linkGroup = (handle: string) => page.getByRole('group', { name: `Links on @${handle} · Mastodon` });
  const focusedLabel = () => page.locator(':focus').getAttribute('aria-label');

  it('signs up and connects two simulator channels', async () => {
    orgId = await signUpInBrowser(page, {
      name: 'Rosa Miller',
      email: `rosa-${Date.now()}@example.com`,
      organization: 'Rosa’s Bakery',
    });

    for (const handle of ['rosa', 'rosa_news']) {
      const account = await addSimulatorChannel(page, stack.sim, handle);
      const listed = await apiGet<{ channels: { id: string; handle: string }[] }>(
        `/api/orgs/${orgId}/channels`,
      );
      const id = listed.channels.find((c) => c.handle === handle)!.id;
      channels.push({ id, handle, accountId: account.id });
      // Posting times, so "Add to queue" has slots (the schedule grid has its own journey).
      const every = ['09:00', '21:00'];
      await apiWrite('PUT', `/api/orgs/${orgId}/channels/${id}/schedule`, {
        days: { mon: every, tue: every, wed: every, thu: every, fri: every, sat: every, sun: every },
      });
    }
  });

  it('writes a three-part thread; a part over the limit is flagged on that part until fixed', async () => {
    await page.getByRole('link', { name: 'Compose', exact: true }).click();
    await page.getByRole('heading', { name: 'Compose' }).waitFor();
    await page.getByLabel('@rosa · Mastodon').check();
    await page.getByLabel('@rosa_news · Mastodon').check();
    await page.getByLabel('What do you want to share?').fill(MAIN);

    await page.getByRole('button', { name: '+ Add to thread' }).click();
    // The new part's text field has the focus, so one can type on at once.
    expect(await page.locator(':focus').getAttribute('id')).toBe(
      await page.getByLabel('Text of part 2').getAttribute('id'),
    );
    await page.keyboard.type('Rhubarb');
    expect(await page.getByLabel('Text of part 2').inputValue()).toBe('Rhubarb');
    await page.getByLabel('Text of part 2').fill(LONG_SECOND);
    await page.getByRole('button', { name: '+ Add to thread' }).click();
    await page.getByLabel('Text of part 3').fill(THIRD);
    // Each part has its own media.
    const image = await samplePng(path.join(os.tmpdir(), `spool-thread-${Date.now()}.png`));
    await part(3).locator('input[type="file"]').setInputFiles(image);
    await part(3)
      .getByLabel(/^Alt text for/)
      .fill('A tray of croissants');
    expect(await part(2).locator('.media-item').count()).toBe(0);

    // Mastodon allows 500 characters: the problem shows on part 2, with its own counter, not elsewhere.
    const tooLong = 'Mastodon posts can be at most 500 characters';
    await part(2).getByText(tooLong).first().waitFor();
    await part(2).getByText(`@rosa · Mastodon: ${LONG_SECOND.length}/500`).waitFor();
    expect(await part(3).getByText(tooLong).count()).toBe(0);
    expect(await page.locator('.tab-panel').getByText(tooLong).count()).toBe(0);
    await part(3).getByText(`@rosa_news · Mastodon: ${THIRD.length}/500`).waitFor();
    expect(await page.getByRole('button', { name: 'Add to queue' }).isDisabled()).toBe(true);
    expect(await page.getByRole('tab', { name: '@rosa · Mastodon' }).getAttribute('class')).toContain(
      'has-problem',
    );
    await tab.shot('01-part-over-limit');

    // Reorder with the keyboard: the problem travels with its part, and focus stays on it.
    await page.getByRole('button', { name: 'Move part 3 up' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByLabel('Text of part 2').inputValue()).toBe(THIRD);
    await part(3).getByText(tooLong).first().waitFor();
    expect(await part(2).getByText(tooLong).count()).toBe(0);
    // Now first, it cannot go further up: focus is on moving it back down.
    expect(await focusedLabel()).toBe('Move part 2 down');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByLabel('Text of part 2').inputValue()).toBe(LONG_SECOND);
    expect(await focusedLabel()).toBe('Move part 3 up');

    await page.getByLabel('Text of part 2').fill(SECOND);
    await expect.poll(() => page.getByText(tooLong).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Add to queue' }).isDisabled()).toBe(false);

    // A part removed and added back: the thread keeps its order.
    await page.getByRole('button', { name: '+ Add to thread' }).click();
    await page.getByLabel('Text of part 4').fill('A part to remove');
    await page.getByRole('button', { name: 'Remove part 4' }).click();
    expect(await page.locator('[data-thread-part]').count()).toBe(2);
  });

  it('shows a server validation error for a part next to that part', async () => {
    // Drafts skip the network checks, so the server's own limit on any text is what refuses this.
    await page.getByLabel('Text of part 3').fill('y'.repeat(100_001));
    await page.getByLabel('Save as draft').check();
    await page.getByRole('button', { name: 'Save draft' }).click();
    const error = part(3).locator('[data-field-error="thread.text"]');
    await expect.poll(() => error.textContent()).toContain('100000');
    expect(await part(2).locator('[data-field-error]').count()).toBe(0);
    expect(await part(3).getByLabel('Text of part 3').getAttribute('aria-invalid')).toBe('true');
    await tab.shot('02-server-error-on-part');
    await page.getByLabel('Text of part 3').fill(THIRD);
    // Once the part is changed, what the server said about the old text is gone.
    await expect.poll(() => error.count()).toBe(0);
    await page.getByLabel('Add to queue').check();
  });

  it('previews the whole thread in order on each channel', async () => {
    await page.getByRole('tab', { name: '@rosa_news · Mastodon' }).click();
    const preview = page.getByRole('figure', { name: 'Preview on Mastodon' });
    await expect
      .poll(() => preview.locator('[data-preview-part] .post-text').allTextContents())
      .toEqual([MAIN, SECOND, THIRD]);
    expect(await preview.locator('[data-preview-part="3"] img').getAttribute('alt')).toBe(
      'A tray of croissants',
    );
    await tab.shot('03-thread-preview');
    await page.getByRole('tab', { name: 'All channels' }).click();
  });

  it('turns on UTM tags for one channel from the composer, saved for that channel at once', async () => {
    const rosa = linkGroup('rosa');
    await rosa.getByLabel('Add UTM tags').waitFor();
    expect(await linkGroup('rosa_news').getByLabel('Add UTM tags').isChecked()).toBe(false);
    await rosa.getByLabel('Add UTM tags').check();
    await rosa.getByRole('status').getByText('Saved: links on @rosa · Mastodon get UTM tags.').waitFor();

    // An empty campaign is refused next to the field; a real one is saved.
    await rosa.getByLabel('Campaign name').fill('  ');
    await rosa.getByRole('button', { name: 'Save campaign' }).click();
    await rosa.locator('[data-field-error="utmCampaign"]').getByText('Enter a campaign name').waitFor();
    expect(await rosa.getByLabel('Campaign name').getAttribute('aria-invalid')).toBe('true');
    await rosa.getByLabel('Campaign name').fill('spring-menu');
    await rosa.getByLabel('Campaign name').press('Enter');
    await rosa.getByRole('status').getByText('campaign “spring-menu”').waitFor();
    expect(await rosa.locator('[data-field-error]').count()).toBe(0);
    await tab.shot('04-utm-on');

    const settings = (channel: { id: string }) =>
      apiGet<{ shortenLinks: boolean; utmEnabled: boolean; utmCampaign: string }>(
        `/api/orgs/${orgId}/channels/${channel.id}/link-settings`,
      );
    expect(await settings(channels[0]!)).toEqual(
      expect.objectContaining({ utmEnabled: true, utmCampaign: 'spring-menu', shortenLinks: false }),
    );
    expect(await settings(channels[1]!)).toEqual(
      expect.objectContaining({ utmEnabled: false, shortenLinks: false }),
    );
  });

  it("shows a contributor the channels' link settings without letting them change them", async () => {
    const contributor = await signUpUser(stack.app.url, { organizationName: 'Contributor’s own' });
    await stack.app.sql`
      insert into memberships (organization_id, user_id, role)
      values (${orgId}, ${contributor.userId}, 'contributor')`;
    const writer = await openTab(stack.browser, stack.app.url, { prefix: 'composer-thread-contributor' });
    await writer.page.goto('/signin');
    await writer.page.getByLabel('Email').fill(contributor.email);
    await writer.page.getByLabel('Password').fill(contributor.password);
    await writer.page.getByRole('button', { name: 'Sign in' }).click();
    await writer.page.waitForURL('**/queue');
    await writer.page.getByLabel('Organization').selectOption({ label: 'Rosa’s Bakery' });
    await writer.page.getByRole('link', { name: 'Compose', exact: true }).click();
    await writer.page.getByLabel('@rosa · Mastodon').check();
    await writer.page.getByLabel('What do you want to share?').fill('Menu: https://bakery.example/menu');
    const rosa = writer.page.getByRole('group', { name: 'Links on @rosa · Mastodon' });
    await expect.poll(() => rosa.getByLabel('Add UTM tags').isChecked()).toBe(true);
    expect(await rosa.getByLabel('Add UTM tags').isDisabled()).toBe(true);
    expect(await rosa.getByLabel('Shorten links').isDisabled()).toBe(true);
    expect(await rosa.getByLabel('Campaign name').inputValue()).toBe('spring-menu');
    expect(await rosa.getByLabel('Campaign name').getAttribute('readonly')).not.toBeNull();
    expect(await rosa.getByRole('button', { name: 'Save campaign' }).count()).toBe(0);
    await writer.page.getByText('Only owners, admins and editors can change').waitFor();
    await writer.shot('01-read-only-links');
    writer.assertNoConsoleErrors();
    await writer.context.close();
  });

  it('fits a phone screen with the thread and link settings open', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const wide = await page.evaluate(() => {
      const w = globalThis as unknown as PageGlobals;
      return Array.from(w.document.querySelectorAll('body *'))
        .filter((el) => el.getBoundingClientRect().right > w.innerWidth + 1)
        .filter((el) => !el.parentElement?.closest('.tabs, .table-scroll'))
        .slice(0, 5)
        .map((el) => `${el.tagName}.${el.className}`);
    });
    expect(wide).toEqual([]);
    await tab.shot('05-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('queues the thread; the stored post has its three parts in order', async () => {
    await page.getByRole('button', { name: 'Add to queue' }).click();
    await page.getByText('Scheduled on 2 channels.').waitFor();
    const queue = await apiGet<{ items: { postId: string }[] }>(
      `/api/orgs/${orgId}/channels/${channels[0]!.id}/queue`,
    );
    expect(queue.items).toHaveLength(1);
    postId = queue.items[0]!.postId;
    const post = await apiGet<{ text: string; thread: { text: string; media: { altText: string }[] }[] }>(
      `/api/orgs/${orgId}/posts/${postId}`,
    );
    expect([post.text, ...post.thread.map((p) => p.text)]).toEqual([MAIN, SECOND, THIRD]);
    expect(post.thread.map((p) => p.media.map((m) => m.altText))).toEqual([[], ['A tray of croissants']]);
  });

  it('edits the thread and shares it now: each channel receives three chained replies', async () => {
    await page.goto(`/compose?post=${postId}`);
    await page.getByRole('heading', { name: 'Edit post' }).waitFor();
    await expect.poll(() => page.getByLabel('Text of part 3').inputValue()).toBe(THIRD);
    expect(await page.getByLabel('Text of part 2').inputValue()).toBe(SECOND);
    await expect
      .poll(() =>
        part(3)
          .getByLabel(/^Alt text for/)
          .inputValue(),
      )
      .toBe('A tray of croissants');
    await page.getByLabel('Text of part 3').fill(`${THIRD} 🥐`);
    await page.getByLabel('Share now').check();
    await tab.shot('06-edit-thread');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Scheduled on 2 channels.').waitFor();

    const published = async () =>
      (await apiGet<{ targets: { status: string }[] }>(`/api/orgs/${orgId}/posts/${postId}`)).targets.map(
        (t) => t.status,
      );
    await expect.poll(published, { timeout: 20_000 }).toEqual(['published', 'published']);
    for (const channel of channels) {
      const statuses = stack.sim.state.listPosts({ network: 'mastodon', accountId: channel.accountId });
      expect(statuses).toHaveLength(3);
      const [first, second, third] = statuses;
      expect(first!.inReplyToId).toBeNull();
      expect(second!.inReplyToId).toBe(first!.id);
      expect(third!.inReplyToId).toBe(second!.id);
      expect(second!.text).toBe(SECOND);
      expect(third!.text).toBe(`${THIRD} 🥐`);
      expect([first!.mediaIds, second!.mediaIds, third!.mediaIds].map((ids) => ids.length)).toEqual([
        0, 0, 1,
      ]);
    }
    tab.assertNoConsoleErrors();
  });

  it('publishes the link with UTM parameters on the channel that asked for them, and only there', () => {
    const [rosa, rosaNews] = channels.map(
      (channel) => stack.sim.state.listPosts({ network: 'mastodon', accountId: channel.accountId })[0]!,
    );
    expect(rosa!.text).toBe(
      'Our spring menu is out: https://bakery.example/menu?utm_source=mastodon&utm_medium=social&utm_campaign=spring-menu',
    );
    expect(rosaNews!.text).toBe(MAIN);
  });
});
