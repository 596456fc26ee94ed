import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AtprotoNetwork, startAtprotoNetwork } from '../support/atproto-network.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { launchChromium, openTab, type Tab } from './harness.ts';
import type { PageGlobals } from './page-globals.ts';

interface ChannelRow {
  id: string;
  network: string;
  handle: string;
  accountId: string;
  connectionState: string;
}

/**
 * Connecting Bluesky the way a person does it from the dashboard: "Sign in with Bluesky" sends the
 * browser to the account's own server (a real local PDS, its real sign-in and consent pages), which
 * sends it back to Channels; then disconnecting and reconnecting through the same sign-in.
 */
describe('journey: connecting Bluesky by signing in on the account’s server', () => {
  let atproto: AtprotoNetwork;
  let app: TestApp;
  let browser: Browser;
  let tab: Tab;
  let page: Page;
  let orgId = '';

  beforeAll(async () => {
    atproto = await startAtprotoNetwork();
    [app, browser] = await Promise.all([
      // The PDS listens on loopback, which the SSRF guard refuses unless told otherwise.
      startTestApp({ env: { SSRF_ALLOW_PRIVATE: 'true', BLUESKY_PLC_URL: atproto.plcUrl } }),
      launchChromium(),
    ]);
    tab = await openTab(browser, app.url, { prefix: 'bluesky-oauth' });
    page = tab.page;
  }, 120_000);
  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await Promise.all([app?.close(), atproto?.stop()]);
  });

  const listChannels = async (): Promise<ChannelRow[]> => {
    const response = await page.request.get(`/api/orgs/${orgId}/channels`);
    expect(response.status()).toBe(200);
    return ((await response.json()) as { channels: ChannelRow[] }).channels;
  };
  const pdsOrigin = () => new URL(atproto.pdsUrl).origin;
  const appOrigin = () => new URL(app.url).origin;

  /**
   * On the PDS's own pages: sign in as alice when it asks (a second visit may remember her), then
   * allow Spool on its consent screen.
   */
  async function signInAtPds(shot: string) {
    await page.waitForURL((url) => url.origin === pdsOrigin());
    const password = page.locator('input[name=password]');
    const authorize = page.getByRole('button', { name: 'Authorize' });
    await password.or(authorize).first().waitFor();
    await tab.shot(shot);
    if (await password.isVisible()) {
      await password.fill(atproto.alice.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
    }
    await authorize.click();
    await page.waitForURL((url) => url.origin === appOrigin() && url.pathname === '/channels');
  }

  it('signs up and offers signing in with Bluesky first, fitting a phone', async () => {
    await page.goto('/signup');
    await page.getByLabel('Your name').fill('Ana Baker');
    await page.getByLabel('Email').fill(`bsky-${Date.now()}@example.com`);
    await page.getByLabel('Password').fill('correct horse battery staple');
    await page.getByLabel('Business or team name').fill('Ana’s Bakery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('**/channels');
    const me = await page.request.get('/api/me');
    orgId = ((await me.json()) as { organizations: { id: string }[] }).organizations[0]!.id;

    await page.getByRole('button', { name: 'Connect Bluesky' }).click();
    const form = page.getByRole('form', { name: 'Sign in with Bluesky' });
    await form.getByLabel('Handle').waitFor();
    // The server field is tucked away for self-hosted accounts.
    expect(await form.getByLabel('Server').isVisible()).toBe(false);

    await page.setViewportSize({ width: 390, height: 844 });
    await form.getByText('Advanced').click();
    await form.getByLabel('Server').waitFor();
    const overflow = await page.evaluate(() => {
      const w = globalThis as unknown as PageGlobals;
      return w.document.documentElement.scrollWidth - w.innerWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    await tab.shot('01-sign-in-form-phone');
    await page.setViewportSize({ width: 1280, height: 900 });

    // The alternative is still there, and comes back with what was typed.
    await form.getByLabel('Handle').fill('alice.test');
    await form.getByRole('button', { name: 'Use an app password instead' }).click();
    const appPasswordForm = page.getByRole('form', { name: 'Connect Bluesky with an app password' });
    expect(await appPasswordForm.getByLabel('Handle').inputValue()).toBe('alice.test');
    // Focus goes to what is left to fill.
    await expect.poll(() => page.locator('input:focus').getAttribute('name')).toBe('appPassword');
    await appPasswordForm.getByRole('button', { name: 'Sign in with Bluesky instead' }).click();
    await form.getByLabel('Handle').waitFor();
    tab.assertNoConsoleErrors();
  });

  it('shows an unknown handle’s error next to the handle field', async () => {
    const form = page.getByRole('form', { name: 'Sign in with Bluesky' });
    await form.getByLabel('Handle').fill('nobody.test');
    if (!(await form.getByLabel('Server').isVisible())) await form.getByText('Advanced').click();
    await form.getByLabel('Server').fill(atproto.pdsUrl);
    await form.getByRole('button', { name: 'Sign in with Bluesky' }).click();
    const handleError = form.locator('[data-field-error="handle"]');
    await expect
      .poll(() => handleError.textContent())
      .toContain('No Bluesky account answers to @nobody.test');
    expect(await form.getByLabel('Handle').getAttribute('aria-invalid')).toBe('true');
    expect(page.url()).toBe(`${app.url}/channels`);
    await tab.shot('02-unknown-handle');
    expect(await listChannels()).toEqual([]);
    tab.assertNoConsoleErrors();
  });

  it('connects @alice.test through her PDS’s sign-in and consent pages', async () => {
    const form = page.getByRole('form', { name: 'Sign in with Bluesky' });
    await form.getByLabel('Handle').fill('alice.test');
    await form.getByRole('button', { name: 'Sign in with Bluesky' }).click();
    await signInAtPds('03-pds-sign-in');

    await page.getByRole('status').filter({ hasText: 'Connected @alice.test on Bluesky.' }).waitFor();
    // The address is cleaned, so a reload does not announce it again.
    await expect.poll(() => new URL(page.url()).search).toBe('');
    const card = page.locator('.channel-card', {
      has: page.getByRole('heading', { name: '@alice.test · Bluesky' }),
    });
    expect(await card.getAttribute('class')).toContain('just-connected');
    await card.getByText('Active').waitFor();
    await card.getByRole('button', { name: 'Disconnect' }).waitFor();
    await tab.shot('04-connected');

    expect(await listChannels()).toEqual([
      expect.objectContaining({
        network: 'bluesky',
        handle: 'alice.test',
        accountId: atproto.alice.did,
        connectionState: 'connected',
      }),
    ]);
    await page.reload();
    await card.waitFor();
    expect(await page.getByRole('status').filter({ hasText: 'Connected @' }).count()).toBe(0);
    tab.assertNoConsoleErrors();
  });

  it('reconnects a disconnected channel through the PDS again, keeping the same channel', async () => {
    const [before] = await listChannels();
    const card = page.locator('.channel-card', {
      has: page.getByRole('heading', { name: '@alice.test · Bluesky' }),
    });
    page.once('dialog', (dialog) => void dialog.accept());
    await card.getByRole('button', { name: 'Disconnect' }).click();
    await card.getByText('Disconnected').waitFor();
    expect((await listChannels())[0]?.connectionState).toBe('disconnected');
    await tab.shot('05-disconnected');

    await card.getByRole('button', { name: 'Reconnect' }).click();
    await signInAtPds('06-pds-again');
    await page.getByRole('status').filter({ hasText: 'Connected @alice.test on Bluesky.' }).waitFor();
    await card.getByText('Active').waitFor();
    expect(await card.getAttribute('class')).toContain('just-connected');
    await tab.shot('07-reconnected');

    const after = await listChannels();
    expect(after).toEqual([expect.objectContaining({ id: before!.id, connectionState: 'connected' })]);
    tab.assertNoConsoleErrors();
  });

  it('on a Spool served over plain http on a public name, says why and connects with an app password', async () => {
    const exposed = await startTestApp({
      env: {
        SSRF_ALLOW_PRIVATE: 'true',
        BLUESKY_PLC_URL: atproto.plcUrl,
        PUBLIC_URL: 'http://spool.example.com',
      },
    });
    const other = await openTab(browser, exposed.url, { prefix: 'bluesky-oauth-fallback' });
    try {
      const p = other.page;
      await p.goto('/signup');
      await p.getByLabel('Your name').fill('Cy Baker');
      await p.getByLabel('Email').fill(`bsky-http-${Date.now()}@example.com`);
      await p.getByLabel('Password').fill('correct horse battery staple');
      await p.getByLabel('Business or team name').fill('Cy’s Bakery');
      await p.getByRole('button', { name: 'Create account' }).click();
      await p.waitForURL('**/channels');

      await p.getByRole('button', { name: 'Connect Bluesky' }).click();
      const form = p.getByRole('form', { name: 'Sign in with Bluesky' });
      await form.getByLabel('Handle').fill('alice.test');
      await form.getByText('Advanced').click();
      await form.getByLabel('Server').fill(atproto.pdsUrl);
      await form.getByRole('button', { name: 'Sign in with Bluesky' }).click();

      const appPasswordForm = p.getByRole('form', { name: 'Connect Bluesky with an app password' });
      const why = appPasswordForm.getByRole('alert');
      await expect.poll(() => why.textContent()).toContain('connect with an app password');
      expect(await appPasswordForm.getByLabel('Handle').inputValue()).toBe('alice.test');
      expect(await appPasswordForm.getByLabel('Server (optional)').inputValue()).toBe(atproto.pdsUrl);
      await expect.poll(() => p.locator('input:focus').getAttribute('name')).toBe('appPassword');
      // Going back to OAuth would only fail again here.
      expect(
        await appPasswordForm.getByRole('button', { name: 'Sign in with Bluesky instead' }).count(),
      ).toBe(0);
      await other.shot('01-needs-app-password');

      await appPasswordForm.getByLabel('App password').fill(atproto.alice.appPassword);
      await appPasswordForm.getByRole('button', { name: 'Connect Bluesky' }).click();
      const card = p.locator('.channel-card', {
        has: p.getByRole('heading', { name: '@alice.test · Bluesky' }),
      });
      await card.getByText('Active').waitFor();
      await other.shot('02-connected-with-app-password');
      other.assertNoConsoleErrors();
    } finally {
      await other.context.close();
      await exposed.close();
    }
  });
});
