import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpUser } from '../support/http-client.ts';
import { openTab, type Stack, simAccount, startStack } from './harness.ts';
import type { PageGlobals } from './page-globals.ts';

/**
 * A contributor's post goes to an editor for approval; and the queue and composer work at phone
 * width (no sideways scrolling, every control reachable).
 */
describe('journeys: approval by an editor, and a phone-width pass', () => {
  let stack: Stack;
  let owner: Awaited<ReturnType<typeof signUpUser>>;
  let contributor: Awaited<ReturnType<typeof signUpUser>>;
  let channelId = '';

  beforeAll(async () => {
    stack = await startStack();
    owner = await signUpUser(stack.app.url, { organizationName: 'Corner Café' });
    contributor = await signUpUser(stack.app.url, { organizationName: 'Contributor’s own' });
    await stack.app.sql`
      insert into memberships (organization_id, user_id, role)
      values (${owner.organizationId}, ${contributor.userId}, 'contributor')`;
    const account = await simAccount(stack.sim);
    const created = await owner.client.post<{ id: string }>(`/api/orgs/${owner.organizationId}/channels`, {
      network: 'mastodon',
      accountId: account.id,
      handle: 'cornercafe',
      serviceUrl: `${stack.sim.url}/mastodon`,
      timezone: 'Europe/Paris',
      schedule: {
        mon: ['09:00'],
        tue: ['09:00'],
        wed: ['09:00'],
        thu: ['09:00'],
        fri: ['09:00'],
        sat: ['10:00'],
        sun: ['10:00'],
      },
      credentials: { accessToken: account.accessToken },
    });
    expect(created.status).toBe(201);
    channelId = created.body.id;
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function signIn(
    prefix: string,
    who: { email: string; password: string },
    viewport?: { width: number; height: number },
  ) {
    const tab = await openTab(stack.browser, stack.app.url, { prefix, ...(viewport ? { viewport } : {}) });
    await tab.page.goto('/signin');
    await tab.page.getByLabel('Email').fill(who.email);
    await tab.page.getByLabel('Password').fill('wrong password!');
    await tab.page.getByRole('button', { name: 'Sign in' }).click();
    await tab.page.getByRole('alert').first().waitFor();
    await tab.page.getByLabel('Password').fill(who.password);
    await tab.page.getByRole('button', { name: 'Sign in' }).click();
    await tab.page.waitForURL('**/queue');
    return tab;
  }

  it("sends a contributor's post for approval, and an editor approves it", async () => {
    const writer = await signIn('approval-contributor', contributor);
    const page = writer.page;
    await page.getByLabel('Organization').selectOption({ label: 'Corner Café' });
    await page.getByRole('link', { name: 'Compose', exact: true }).click();
    await page.getByLabel('@cornercafe · Mastodon').check();
    await page.getByLabel('What do you want to share?').fill('Pumpkin spice is back from Monday ☕');
    await page.getByText('As a contributor, your post goes to an editor for approval first.').waitFor();
    await page.getByRole('button', { name: 'Request approval' }).click();
    await page.getByText('Sent for approval.').waitFor();
    await writer.shot('01-requested');
    writer.assertNoConsoleErrors();

    const editor = await signIn('approval-editor', owner);
    await editor.page.getByRole('tab', { name: 'Approvals' }).click();
    const pending = editor.page.locator('.queue-list li', { hasText: 'Pumpkin spice is back from Monday' });
    await pending.waitFor();
    await editor.shot('02-to-approve');
    await pending.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => pending.count()).toBe(0);
    await editor.page.getByRole('tab', { name: 'Queue' }).click();
    await editor.page.locator('.queue-list li', { hasText: 'Pumpkin spice is back from Monday' }).waitFor();
    const queue = await owner.client.get<{ items: { text: string; status: string }[] }>(
      `/api/orgs/${owner.organizationId}/channels/${channelId}/queue`,
    );
    expect(queue.body.items).toContainEqual(
      expect.objectContaining({ text: 'Pumpkin spice is back from Monday ☕', status: 'queued' }),
    );
    await editor.shot('03-approved');
    editor.assertNoConsoleErrors();
  });

  it('works at phone width: queue and composer without sideways scrolling', async () => {
    const phone = await signIn('phone', owner, { width: 390, height: 844 });
    const page = phone.page;
    const overflow = async () => {
      const wide = await page.evaluate(() => {
        const w = globalThis as unknown as PageGlobals;
        return (
          Array.from(w.document.querySelectorAll('body *'))
            .filter((el) => el.getBoundingClientRect().right > w.innerWidth + 1)
            // Inside a sideways-scrolling strip (tabs, the schedule table) is fine: the strip scrolls.
            .filter((el) => !el.parentElement?.closest('.tabs, .table-scroll'))
            .slice(0, 5)
            .map((el) => `${el.tagName}.${el.className}`)
        );
      });
      expect(wide).toEqual([]);
      return page.evaluate(() => {
        const w = globalThis as unknown as PageGlobals;
        return w.document.documentElement.scrollWidth - w.innerWidth;
      });
    };
    await page.locator('.queue-list li').first().waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await expect.poll(() => page.getByLabel('Channel', { exact: true }).isVisible()).toBe(true);
    await phone.shot('01-queue');

    await page.getByRole('link', { name: 'Compose', exact: true }).click();
    await page.getByLabel('@cornercafe · Mastodon').check();
    await page.getByLabel('What do you want to share?').fill('Open late on Friday 🎃');
    await page.getByText('@cornercafe · Mastodon: 21/500').waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await phone.shot('02-composer');
    await page.getByRole('button', { name: 'Add to queue' }).click();
    await page.getByText('Scheduled on 1 channel.').waitFor();
    phone.assertNoConsoleErrors();
  });
});
