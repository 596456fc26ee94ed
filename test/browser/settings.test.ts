import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpUser } from '../support/http-client.ts';
import { openTab, type Stack, startStack, type Tab } from './harness.ts';
import type { PageGlobals } from './page-globals.ts';

interface ClipboardGlobals {
  navigator: { clipboard: { readText(): Promise<string> } };
}

/**
 * Settings in real Chromium: edit the profile and time zone, choose when the weekly digest arrives,
 * register an OAuth app (its secret shown once) and delete it, and read it all back in the
 * organization's activity log, a page at a time. A contributor does not see the log.
 */
describe('journey: settings', () => {
  let stack: Stack;
  let tab: Tab;
  let page: Page;
  const email = `settings-${Date.now()}@example.com`;
  let orgId = '';

  beforeAll(async () => {
    stack = await startStack();
    tab = await openTab(stack.browser, stack.app.url, { prefix: 'settings' });
    page = tab.page;
    await tab.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.app.url });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const me = async () => {
    const response = await page.request.get('/api/me');
    return (await response.json()) as {
      user: { name: string; timezone: string };
      organizations: { id: string }[];
      csrfToken: string;
    };
  };

  /** The text of the element that has keyboard focus. */
  const focusedText = () =>
    page.evaluate(() => {
      const w = globalThis as unknown as { document: { activeElement: { textContent: string } | null } };
      return w.document.activeElement?.textContent ?? '';
    });

  it('changes the name and time zone, with a server error next to a wrong zone', async () => {
    await page.goto('/signup');
    await page.getByLabel('Your name').fill('Ana Baker');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('correct horse battery staple');
    await page.getByLabel('Business or team name').fill('Ana’s Bakery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('**/channels');
    orgId = (await me()).organizations[0]!.id;
    await page.getByRole('link', { name: 'Settings', exact: true }).click();

    const name = page.getByLabel('Name', { exact: true });
    const zone = page.getByLabel('Time zone');
    expect(await name.inputValue()).toBe('Ana Baker');
    expect(await zone.inputValue()).toBe('UTC');
    await name.fill('Ana Lima');
    await zone.fill('Mars/Olympus_Mons');
    await page.getByRole('button', { name: 'Save profile' }).click();
    const zoneError = page.locator('[data-field-error="timezone"]');
    await expect.poll(() => zoneError.textContent()).toContain('"Mars/Olympus_Mons" is not a time zone');
    expect(await zone.getAttribute('aria-invalid')).toBe('true');
    expect((await me()).user.name).toBe('Ana Baker');
    await tab.shot('01-profile-error');

    // Typed in lower case: the server stores, and the form then shows, the canonical name.
    await zone.fill('europe/paris');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByText('Profile saved.').waitFor();
    expect(await zone.inputValue()).toBe('Europe/Paris');
    expect(await zoneError.count()).toBe(0);
    // The digest panel reads hours in the new zone straight away (the session was refreshed).
    await page.getByLabel('Hour (Europe/Paris)').waitFor();

    await page.reload();
    await expect.poll(() => page.getByLabel('Name', { exact: true }).inputValue()).toBe('Ana Lima');
    expect(await page.getByLabel('Time zone').inputValue()).toBe('Europe/Paris');
    expect((await me()).user).toMatchObject({ name: 'Ana Lima', timezone: 'Europe/Paris' });
    await tab.shot('02-profile-saved');
  });

  it('chooses when the weekly digest arrives, and a reload keeps it', async () => {
    const digest = page.getByRole('form', { name: 'Weekly digest email' });
    await digest.getByText('Arrives every Monday at 08:00, Europe/Paris time.').waitFor();
    expect(await digest.getByLabel('Send me the weekly digest').isChecked()).toBe(true);
    await digest.getByLabel('Day').selectOption({ label: 'Friday' });
    await digest.getByLabel('Hour (Europe/Paris)').selectOption({ label: '17:00' });
    await digest.getByText('Arrives every Friday at 17:00, Europe/Paris time.').waitFor();
    await digest.getByRole('button', { name: 'Save digest settings' }).click();
    await digest.getByText('Digest settings saved.').waitFor();

    await page.reload();
    const reloaded = page.getByRole('form', { name: 'Weekly digest email' });
    await reloaded.getByText('Arrives every Friday at 17:00, Europe/Paris time.').waitFor();
    expect(await reloaded.getByLabel('Day').inputValue()).toBe('friday');
    expect(await reloaded.getByLabel('Hour (Europe/Paris)').inputValue()).toBe('17');

    // Turning it off disables the day and hour, and is kept too.
    await reloaded.getByLabel('Send me the weekly digest').uncheck();
    expect(await reloaded.getByLabel('Day').isDisabled()).toBe(true);
    await reloaded.getByRole('button', { name: 'Save digest settings' }).click();
    await reloaded.getByText('Digest settings saved.').waitFor();
    await page.reload();
    await page.getByText('You will not receive the weekly digest.').waitFor();
    const stored = await page.request.get('/api/me/digest');
    expect(await stored.json()).toEqual({
      enabled: false,
      weekday: 'friday',
      hour: 17,
      timezone: 'Europe/Paris',
    });
    await tab.shot('03-digest');
  });

  it('registers an OAuth app, shows its secret once with a copy button, and deletes it', async () => {
    const panel = page.getByRole('region', { name: 'OAuth apps' });
    await panel.getByText('You have not registered an app.').waitFor();
    await panel.getByLabel('App name').fill('Ana’s reporting script');
    await panel
      .getByLabel('Redirect URIs (one per line)')
      .fill('https://reports.example.com/cb\nhttp://example.com/cb');
    await panel.getByRole('button', { name: 'Register app' }).click();
    const urisError = panel.locator('[data-field-error="redirect_uris"]');
    await expect.poll(() => urisError.textContent()).toMatch(/^Line 2: must use https/);
    await tab.shot('04-oauth-error');

    await panel.getByLabel('Redirect URIs (one per line)').fill('https://reports.example.com/cb');
    await panel.getByRole('button', { name: 'Register app' }).click();
    const secretBox = panel.getByTestId('client-secret');
    await secretBox.waitFor();
    const secret = (await secretBox.textContent()) ?? '';
    expect(secret).toMatch(/^spool_cs_[\w-]{20,}$/);
    await panel.getByText('Copy its secret now: it is not shown again.').waitFor();
    // The notice takes focus so that a screen reader reads it out.
    expect(await focusedText()).toContain('Copy its secret now');
    await panel.getByRole('button', { name: 'Copy client secret' }).click();
    await panel.getByRole('button', { name: 'Copied' }).waitFor();
    const copied = await page.evaluate(() =>
      (globalThis as unknown as ClipboardGlobals).navigator.clipboard.readText(),
    );
    expect(copied).toBe(secret);
    const list = panel.getByRole('list', { name: 'Apps you registered' });
    await list.locator('strong', { hasText: 'Ana’s reporting script' }).waitFor();
    await tab.shot('05-oauth-secret-once');

    await page.reload();
    await page
      .getByRole('list', { name: 'Apps you registered' })
      .locator('strong', { hasText: 'Ana’s reporting script' })
      .waitFor();
    expect(await page.content()).not.toContain(secret);
    expect(await page.getByTestId('client-secret').count()).toBe(0);
    await page.getByText('No app has access to your account.').waitFor();

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete Ana’s reporting script' }).click();
    await page.getByText('You have not registered an app.').waitFor();
    const clients = await page.request.get('/api/oauth/clients');
    expect(await clients.json()).toEqual({ clients: [] });
    await tab.shot('06-oauth-deleted');
  });

  it('lists those changes in the activity log, a page at a time', async () => {
    // More than one page of events: twenty more renames, made as the dashboard makes them.
    const { csrfToken } = await me();
    for (let i = 1; i <= 20; i++) {
      const res = await page.request.patch('/api/me', {
        data: { name: `Ana ${i}` },
        headers: { 'x-csrf-token': csrfToken, origin: stack.app.url },
      });
      expect(res.status()).toBe(200);
    }
    const panel = page.getByRole('region', { name: 'Activity' });
    await panel.getByRole('button', { name: 'Refresh' }).click();
    const entries = panel.getByRole('list', { name: 'Activity, newest first' }).getByRole('listitem');
    await expect.poll(() => entries.count()).toBe(20);
    expect(await entries.first().textContent()).toMatch(/^You changed your name/);
    expect(await panel.getByText('signed up').count()).toBe(0);

    await panel.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => entries.count()).toBe(24);
    // Focus moves to the first entry that was loaded.
    expect(await focusedText()).toMatch(/^You deleted the OAuth app with client ID/);
    await panel.getByText('You registered the OAuth app “Ana’s reporting script”').waitFor();
    await panel.getByText('You changed your name and time zone to Europe/Paris').waitFor();
    await panel.getByText('You signed up').waitFor();
    expect(await panel.getByRole('button', { name: 'Load more' }).count()).toBe(0);
    expect(await panel.locator('time').first().getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    await tab.shot('07-activity');
    tab.assertNoConsoleErrors();
  });

  it('fits a phone screen, and hides the activity log from a contributor', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByRole('region', { name: 'Activity' }).getByRole('listitem').first().waitFor();
    const wide = await page.evaluate(() => {
      const w = globalThis as unknown as PageGlobals;
      return Array.from(w.document.querySelectorAll('.settings-grid *'))
        .filter((el) => el.getBoundingClientRect().right > w.innerWidth + 1)
        .filter((el) => !el.parentElement?.closest('.tabs, .table-scroll'))
        .slice(0, 5)
        .map((el) => `${el.tagName}.${el.className}`);
    });
    expect(wide).toEqual([]);
    await tab.shot('08-phone');

    const contributor = await signUpUser(stack.app.url, { organizationName: 'Contributor’s own' });
    await stack.app.sql`
      insert into memberships (organization_id, user_id, role)
      values (${orgId}, ${contributor.userId}, 'contributor')`;
    const other = await openTab(stack.browser, stack.app.url, { prefix: 'settings-contributor' });
    await other.page.goto('/signin');
    await other.page.getByLabel('Email').fill(contributor.email);
    await other.page.getByLabel('Password').fill(contributor.password);
    await other.page.getByRole('button', { name: 'Sign in' }).click();
    await other.page.waitForURL('**/queue');
    await other.page.getByLabel('Organization').selectOption({ label: 'Ana’s Bakery' });
    await other.page.getByRole('link', { name: 'Settings', exact: true }).click();
    await other.page.getByText('Ana’s Bakery · you are contributor').waitFor();
    await other.page.getByRole('heading', { name: 'Weekly digest email' }).waitFor();
    expect(await other.page.getByRole('heading', { name: 'Activity' }).count()).toBe(0);
    await other.shot('09-contributor');
    other.assertNoConsoleErrors();
    tab.assertNoConsoleErrors();
  });
});
