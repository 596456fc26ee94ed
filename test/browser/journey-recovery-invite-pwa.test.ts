import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxMailer } from '../../src/mail/outbox-mailer.ts';
import { HttpClient, signUpUser } from '../support/http-client.ts';
import { parseMail } from '../support/smtp-sink.ts';
import { openTab, type Stack, simAccount, startStack, type Tab } from './harness.ts';

/** The part of the page's `navigator.serviceWorker` the PWA test reads inside `page.evaluate`. */
interface ServiceWorkerGlobals {
  navigator: {
    serviceWorker: {
      controller: { scriptURL: string } | null;
      ready: Promise<{ active: { scriptURL: string } | null }>;
    };
  };
  fetch(url: string): Promise<unknown>;
}

const NEW_PASSWORD = 'a tide of fresh paint';

/**
 * The journeys around the edges of daily use, in real Chromium against the real server, publisher
 * and network simulator: getting back into an account, bringing in a teammate, reconnecting a
 * channel that lost its access, and the installable app. Mail is read where Spool delivers it
 * without SMTP: the outbox folder, as whole RFC 5322 messages. (With SMTP_URL, Spool requires
 * PUBLIC_URL, which cannot name the test server's port before it listens; without it, links follow
 * the address the browser used, which is what a person clicking them gets.)
 */
describe('journeys: password reset, invitations, reconnecting a channel, the installable app', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** The message Spool wrote to `to` (each test mails fresh addresses), waiting for it to arrive. */
  async function mailTo(to: string): Promise<ReturnType<typeof parseMail>> {
    const outbox = stack.app.mailer as OutboxMailer;
    expect(outbox).toBeInstanceOf(OutboxMailer);
    for (let attempt = 0; attempt < 100; attempt++) {
      for (const entry of await outbox.list()) {
        const message = parseMail((await outbox.read(entry.id)) ?? '');
        if (message.headers.get('to') === to) return message;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no mail to ${to} in the outbox`);
  }

  /** The one link to `pathname` in a mail's text, which must point back at this server. */
  function linkIn(text: string, pathname: string): string {
    const links = [...text.matchAll(/https?:\/\/\S+/g)].map((m) => m[0]).filter((l) => l.includes(pathname));
    expect(links).toHaveLength(1);
    const link = new URL(links[0]!);
    expect(link.origin).toBe(stack.app.url);
    expect(link.pathname).toBe(pathname);
    return link.toString();
  }

  async function signIn(prefix: string, who: { email: string; password: string }): Promise<Tab> {
    const tab = await openTab(stack.browser, stack.app.url, { prefix });
    await tab.page.goto('/signin');
    await fillSignIn(tab.page, who.email, who.password);
    await tab.page.waitForURL('**/queue**');
    return tab;
  }

  it('resets a forgotten password from the emailed link; only the new password works afterwards', async () => {
    const person = await signUpUser(stack.app.url, { organizationName: 'Harbour Books' });
    const tab = await openTab(stack.browser, stack.app.url, { prefix: 'reset' });
    const page = tab.page;
    await page.goto('/signin');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    await page.getByLabel('Email').fill(person.email);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await page.getByRole('status').filter({ hasText: 'a reset link is on its way' }).waitFor();
    await tab.shot('01-link-sent');

    const message = await mailTo(person.email);
    expect(message.subject).toBe('Reset your Spool password');
    const link = linkIn(message.text, '/reset-password');

    await page.goto(link);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    const newPassword = page.getByLabel('New password');
    await newPassword.fill('too short');
    await page.getByRole('button', { name: 'Set password' }).click();
    const fieldError = page.locator('[data-field-error="newPassword"]');
    await expect.poll(() => fieldError.textContent()).toContain('at least 10 characters');
    // Next to the field, and tied to it for screen readers.
    expect(await newPassword.getAttribute('aria-invalid')).toBe('true');
    expect(await newPassword.getAttribute('aria-describedby')).toContain(await fieldError.getAttribute('id'));
    await tab.shot('02-too-short');

    await newPassword.fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.waitForURL('**/signin?password=changed');
    await page.getByRole('status').filter({ hasText: 'Your password was changed' }).waitFor();
    await tab.shot('03-changed');

    await fillSignIn(page, person.email, person.password);
    await page
      .getByRole('alert')
      .filter({ hasText: 'The email address or password is not right.' })
      .waitFor();
    expect(page.url()).toContain('/signin');
    await tab.shot('04-old-password-refused');

    await page.getByLabel('Password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/queue');
    await expect.poll(() => selectedOrganization(page)).toBe('Harbour Books');
    await tab.shot('05-signed-in');
    tab.assertNoConsoleErrors();

    // The link worked once: opened again, it says so and offers a new one.
    const again = await openTab(stack.browser, stack.app.url, { prefix: 'reset-reused' });
    await again.page.goto(link);
    await again.page.getByLabel('New password').fill('somebody else’s password');
    await again.page.getByRole('button', { name: 'Set password' }).click();
    await again.page.getByRole('alert').filter({ hasText: 'already been used' }).waitFor();
    await again.page.getByRole('link', { name: 'Ask for a new link' }).waitFor();
    await again.shot('06-link-used');
    again.assertNoConsoleErrors();
    expect((await new HttpClient(stack.app.url).post('/api/auth/signin', person)).status).toBe(401);
  });

  it('invites a teammate by email, who signs up from the link and joins with the invited role', async () => {
    const owner = await signUpUser(stack.app.url, { organizationName: 'Blue Door Bakery' });
    const inviteeEmail = `mo-${Date.now()}@example.com`;
    const ownerTab = await signIn('invite-owner', owner);
    const ownerPage = ownerTab.page;
    await ownerPage.getByRole('link', { name: 'Settings', exact: true }).click();
    const form = ownerPage.getByRole('form', { name: 'Invite someone' });
    await form.getByLabel('Email').fill('mo at example');
    await form.getByRole('button', { name: 'Send invitation' }).click();
    await expect
      .poll(() => form.locator('[data-field-error="email"]').textContent())
      .toContain('must be an email address');
    await form.getByLabel('Email').fill(inviteeEmail);
    await form.getByLabel('Role').selectOption('editor');
    await form.getByRole('button', { name: 'Send invitation' }).click();
    await ownerPage.getByText(`${inviteeEmail} (editor) — waiting`).waitFor();
    await ownerTab.shot('01-invited');

    const message = await mailTo(inviteeEmail);
    expect(message.subject).toBe('Test Person invited you to Blue Door Bakery on Spool');
    expect(message.text).toContain('on Spool as an editor');
    const link = linkIn(message.text, '/invitations/accept');

    // The invitee opens the link in their own browser, signed out.
    const invitee = await openTab(stack.browser, stack.app.url, { prefix: 'invite-invitee' });
    const page = invitee.page;
    await page.goto(link);
    await page.waitForURL('**/signin?next=**');
    const notice = page.getByRole('status').filter({ hasText: 'invited you to join' });
    await expect
      .poll(() => notice.textContent())
      .toBe(
        `Test Person invited you to join Blue Door Bakery as editor. Sign in, or create an account, with ${inviteeEmail} to accept.`,
      );
    await invitee.shot('02-asked-to-sign-in');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    await notice.waitFor();
    await page.getByLabel('Your name').fill('Mo Rahimi');
    await page.getByLabel('Email').fill(inviteeEmail);
    await page.getByLabel('Password').fill('flour on every surface');
    await page.getByLabel('Business or team name').fill('Mo’s Studio');
    await invitee.shot('03-sign-up');
    await page.getByRole('button', { name: 'Create account' }).click();

    // Back on the invitation, now signed in.
    await page.waitForURL('**/invitations/accept?token=**');
    await page.getByRole('heading', { name: 'Join Blue Door Bakery' }).waitFor();
    await page.getByText(`You are invited as editor (${inviteeEmail}).`).waitFor();
    await invitee.shot('04-accept');
    await page.getByRole('button', { name: 'Accept invitation' }).click();
    await page.waitForURL('**/queue');
    await expect.poll(() => selectedOrganization(page)).toBe('Blue Door Bakery');
    const organizations = await page.getByLabel('Organization').locator('option').allTextContents();
    expect(organizations.sort()).toEqual(['Blue Door Bakery', 'Mo’s Studio']);
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByText('Blue Door Bakery · you are editor').waitFor();
    const team = page.locator('section[aria-labelledby="team-heading"] tbody tr');
    await expect.poll(() => team.count()).toBe(2);
    await expect
      .poll(() => team.filter({ hasText: inviteeEmail }).locator('td').nth(1).textContent())
      .toBe('editor');
    await invitee.shot('05-joined');
    invitee.assertNoConsoleErrors();

    // What the API says, for the invitee and for the owner.
    const me = await page.request.get('/api/me');
    expect(((await me.json()) as { organizations: unknown[] }).organizations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: owner.organizationId, name: 'Blue Door Bakery', role: 'editor' }),
        expect.objectContaining({ name: 'Mo’s Studio', role: 'owner' }),
      ]),
    );
    const members = await owner.client.get<{ members: { email: string; role: string }[] }>(
      `/api/orgs/${owner.organizationId}/members`,
    );
    expect(members.body.members).toContainEqual(
      expect.objectContaining({ email: inviteeEmail, role: 'editor' }),
    );
    const waiting = await owner.client.get(`/api/orgs/${owner.organizationId}/invitations`);
    expect(waiting.body).toEqual({ invitations: [] });

    // The owner's page shows the new member, and no invitation waiting any more.
    await ownerPage.reload();
    await expect.poll(() => ownerPage.getByLabel(`Role of ${inviteeEmail}`).inputValue()).toBe('editor');
    expect(await ownerPage.getByText(`${inviteeEmail} (editor) — waiting`).count()).toBe(0);
    await ownerTab.shot('06-member-listed');
    ownerTab.assertNoConsoleErrors();
  });

  it('lets someone who already has an account accept by signing in from the link', async () => {
    const owner = await signUpUser(stack.app.url, { organizationName: 'Green Lane Florist' });
    const teammate = await signUpUser(stack.app.url, { organizationName: 'Teammate’s Shop' });
    const invited = await owner.client.post(`/api/orgs/${owner.organizationId}/invitations`, {
      email: teammate.email,
      role: 'admin',
    });
    expect(invited.status).toBe(201);
    const link = linkIn((await mailTo(teammate.email)).text, '/invitations/accept');

    const tab = await openTab(stack.browser, stack.app.url, { prefix: 'invite-existing' });
    const page = tab.page;
    await page.goto(link);
    await page.getByRole('status').filter({ hasText: 'Green Lane Florist as admin' }).waitFor();
    await fillSignIn(page, teammate.email, teammate.password);
    await page.getByRole('heading', { name: 'Join Green Lane Florist' }).waitFor();
    await page.getByRole('button', { name: 'Accept invitation' }).click();
    await page.waitForURL('**/queue');
    await expect.poll(() => selectedOrganization(page)).toBe('Green Lane Florist');
    const organizations = await page.getByLabel('Organization').locator('option').allTextContents();
    expect(organizations.sort()).toEqual(['Green Lane Florist', 'Teammate’s Shop']);
    // Switching back and forth works: their own shop is still theirs.
    await page.getByLabel('Organization').selectOption({ label: 'Teammate’s Shop' });
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByText('Teammate’s Shop · you are owner').waitFor();
    await page.getByLabel('Organization').selectOption({ label: 'Green Lane Florist' });
    await page.getByText('Green Lane Florist · you are admin').waitFor();
    await tab.shot('01-both-organizations');
    tab.assertNoConsoleErrors();
  });

  it('asks to reconnect a channel whose token expired, and publishes its waiting post after the reconnect', async () => {
    const owner = await signUpUser(stack.app.url, { organizationName: 'Seaside Surf School' });
    const account = await simAccount(stack.sim, 'mastodon');
    const tab = await signIn('reconnect', owner);
    const page = tab.page;
    const orgBase = `/api/orgs/${owner.organizationId}`;

    // Connected the way a person does it: sign in on the instance (the simulator approves at once).
    await page.getByRole('link', { name: 'Channels', exact: true }).click();
    await page.getByRole('button', { name: 'Connect Mastodon' }).click();
    const connect = page.getByRole('form', { name: 'Connect Mastodon' });
    await connect.getByLabel('Your Mastodon server').fill(`${stack.sim.url}/mastodon`);
    await connect.getByRole('button', { name: 'Continue to Mastodon' }).click();
    await page.waitForURL('**/channels?connected=**');
    const host = new URL(stack.sim.url).host;
    const channelName = `@${account.username}@${host} · Mastodon`;
    const card = page.locator('.channel-card', { has: page.getByRole('heading', { name: channelName }) });
    await card.getByText('Active').waitFor();

    const channels = await owner.client.get<{ channels: { id: string }[] }>(`${orgBase}/channels`);
    expect(channels.body.channels).toHaveLength(1);
    const channelId = channels.body.channels[0]!.id;
    const everyDay = Object.fromEntries(
      ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ['09:00']]),
    );
    expect(
      (await owner.client.put(`${orgBase}/channels/${channelId}/schedule`, { days: everyDay })).status,
    ).toBe(200);
    const text = 'Dawn patrol lessons start Saturday 🏄';
    const post = await owner.client.post(`${orgBase}/posts`, {
      text,
      channelIds: [channelId],
      schedule: { mode: 'queue' },
    });
    expect(post.status).toBe(201);

    // The network ends Spool's access (a revoked or expired token); Spool finds out when it posts.
    const expired = await fetch(`${stack.sim.url}/_sim/tokens/expire`, {
      method: 'POST',
      body: JSON.stringify({ account: account.id }),
    });
    expect(((await expired.json()) as { expired: number }).expired).toBeGreaterThan(0);
    await card.getByRole('link', { name: 'Open queue' }).click();
    const row = page.locator('.queue-list li', { hasText: text });
    // The attempt takes a second, and the post's details (asked for when it left the queue, while it
    // was publishing) reach the page only after it is back in the queue: late details must not put
    // it back under "Just now".
    stack.sim.setFaults({ accounts: { [account.id]: { latency: { kind: 'fixed', ms: 1_000 } } } });
    const lateDetails = '**/api/orgs/*/posts/*';
    await page.route(lateDetails, async (route) => {
      if (route.request().method() !== 'GET') return route.continue();
      const response = await route.fetch();
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      await route.fulfill({ response });
    });
    await row.getByRole('button', { name: 'Share now' }).click();
    await expect
      .poll(
        async () =>
          (await owner.client.get<{ connectionState: string }>(`${orgBase}/channels/${channelId}`)).body
            .connectionState,
        { timeout: 15_000 },
      )
      .toBe('needs_reconnect');
    // Without a reload, the queue says why, and the post is back in it, ready to go again.
    await page.getByRole('status').filter({ hasText: 'Spool lost access to this account' }).waitFor();
    await row.getByRole('button', { name: 'Share now' }).waitFor();
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // the late details have arrived
    expect(await page.locator('.recent li', { hasText: text }).count()).toBe(0);
    await row.getByRole('button', { name: 'Share now' }).waitFor({ timeout: 1_000 });
    await page.unroute(lateDetails);
    stack.sim.setFaults({});

    // The channel says what happened and what to do; the post waits in the queue.
    await page.getByRole('link', { name: 'Channels', exact: true }).click();
    await card.getByText('Reconnect needed').waitFor();
    await expect
      .poll(() => card.locator('.form-error').textContent())
      .toBe(
        `${host} no longer accepts Spool's access: The access token expired. Its queued posts wait until you reconnect it.`,
      );
    // It does not publish, so it is not called active.
    expect(await card.getByText('Active', { exact: true }).count()).toBe(0);
    await tab.shot('01-reconnect-needed');
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page
      .locator('.notification-list li', { hasText: `Reconnect Mastodon (${account.username}@${host})` })
      .waitFor();
    await tab.shot('02-notification');
    await page.getByRole('link', { name: 'Queue', exact: true }).click();
    await page
      .locator('.queue-list li', { hasText: text })
      .getByRole('button', { name: 'Share now' })
      .waitFor();
    await tab.shot('03-post-waiting');
    expect(stack.sim.state.listPosts({ network: 'mastodon', accountId: account.id })).toEqual([]);

    await page.getByRole('link', { name: 'Channels', exact: true }).click();
    await card.getByRole('button', { name: 'Reconnect' }).click();
    // Back on Channels, which confirms the account by name (and cleans ?connected= from the address).
    await page
      .getByRole('status')
      .filter({ hasText: `Connected @${account.username}` })
      .waitFor();
    expect(new URL(page.url()).pathname).toBe('/channels');
    await card.getByRole('button', { name: 'Disconnect' }).waitFor();
    expect(await card.getByText('Reconnect needed').count()).toBe(0);
    await tab.shot('04-reconnected');

    // The same channel came back (no duplicate), and its waiting post went out.
    const after = await owner.client.get<{ channels: { id: string; connectionState: string }[] }>(
      `${orgBase}/channels`,
    );
    expect(after.body.channels).toEqual([
      expect.objectContaining({ id: channelId, connectionState: 'connected' }),
    ]);
    await card.getByRole('link', { name: 'Open queue' }).click();
    await expect
      .poll(
        () => stack.sim.state.listPosts({ network: 'mastodon', accountId: account.id }).map((p) => p.text),
        {
          timeout: 15_000,
        },
      )
      .toEqual([text]);
    await page.getByRole('tab', { name: 'Sent' }).click();
    await page.locator('.queue-list li', { hasText: text }).locator('[data-status="published"]').waitFor();
    await tab.shot('05-published');
    tab.assertNoConsoleErrors();
  });

  it('is an installable app that opens offline and takes shared links into the composer', async () => {
    const person = await signUpUser(stack.app.url, { organizationName: 'Pocket Press' });
    // Service workers allowed, at phone size, where an installed app runs.
    const app = await openTab(stack.browser, stack.app.url, {
      prefix: 'pwa',
      viewport: { width: 390, height: 844 },
      serviceWorkers: 'allow',
    });
    const page = app.page;
    await page.goto('/signin');

    // The manifest: linked, served as a manifest, and parsed by Chromium without complaint.
    const manifestHref = await page.locator('link[rel="manifest"]').getAttribute('href');
    expect(manifestHref).toBe('/manifest.webmanifest');
    const served = await page.request.get(manifestHref!);
    expect(served.status()).toBe(200);
    expect(served.headers()['content-type']).toContain('application/manifest+json');
    const cdp = await app.context.newCDPSession(page);
    const parsed = (await cdp.send('Page.getAppManifest')) as { errors: { message: string }[] };
    expect(parsed.errors).toEqual([]);
    const manifest = (await served.json()) as Manifest;
    expect(manifest).toMatchObject({
      name: 'Spool',
      short_name: 'Spool',
      start_url: '/queue',
      display: 'standalone',
    });
    expect((await page.request.get(manifest.start_url)).headers()['content-type']).toContain('text/html');
    for (const icon of manifest.icons) {
      const response = await page.request.get(icon.src);
      expect(response.status(), icon.src).toBe(200);
      expect(response.headers()['content-type'], icon.src).toBe(icon.type);
      const body = await response.body();
      if (icon.type === 'image/png') expect(pngSize(body), icon.src).toBe(icon.sizes);
      else expect(body.toString('utf8'), icon.src).toContain('<svg');
    }
    // Installable: a 192 px and a 512 px PNG icon.
    expect(manifest.icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
    expect(manifest.share_target).toEqual({
      action: '/compose',
      method: 'GET',
      enctype: 'application/x-www-form-urlencoded',
      params: { title: 'title', text: 'text', url: 'url' },
    });

    // The service worker registers on the first visit.
    await fillSignIn(page, person.email, person.password);
    await page.waitForURL('**/queue');
    const registered = await page.evaluate(async () => {
      const w = globalThis as unknown as ServiceWorkerGlobals;
      return (await w.navigator.serviceWorker.ready).active?.scriptURL;
    });
    expect(registered).toBe(`${stack.app.url}/sw.js`);
    const installability = (await cdp.send('Page.getInstallabilityErrors')) as {
      installabilityErrors: { errorId: string }[];
    };
    // Chromium's own verdict; a test context is always incognito, where nothing installs.
    expect(
      installability.installabilityErrors.map((e) => e.errorId).filter((id) => id !== 'in-incognito'),
    ).toEqual([]);
    await app.shot('01-installed');

    // Then the connection drops, and the person reloads. The browser's HTTP cache is emptied first
    // (browsers evict it freely), and the server notes every request it gets, to prove that none
    // arrives: the page and its scripts come from the service worker's own cache.
    await cdp.send('Network.clearBrowserCache');
    const reachedServer: string[] = [];
    const noteRequest = (request: { url?: string }) => reachedServer.push(request.url ?? '');
    stack.app.app.server.on('request', noteRequest);
    await app.context.setOffline(true);
    app.tolerate(/net::ERR_INTERNET_DISCONNECTED|Failed to fetch/);
    const offline = await page.reload();
    expect(offline?.fromServiceWorker()).toBe(true);
    const controller = await page.evaluate(
      () => (globalThis as unknown as ServiceWorkerGlobals).navigator.serviceWorker.controller?.scriptURL,
    );
    expect(controller).toBe(`${stack.app.url}/sw.js`);
    const reachable = await page.evaluate(() =>
      (globalThis as unknown as ServiceWorkerGlobals).fetch('/api/health').then(
        () => true,
        () => false,
      ),
    );
    expect(reachable).toBe(false);
    // Spool's own page ran (Chromium's error page lives at chrome-error://). Which page it shows
    // depends on the session check, which cannot reach the API: today that signs the person out
    // locally and shows the sign-in form (web/src/app/session.tsx treats "offline" as "signed out").
    expect(new URL(page.url()).origin).toBe(stack.app.url);
    expect(await page.title()).toBe('Spool');
    await page.locator('#root').getByText('Spool', { exact: true }).first().waitFor();
    await app.shot('02-offline');
    stack.app.app.server.off('request', noteRequest);
    expect(reachedServer).toEqual([]);
    await app.context.setOffline(false);
    app.tolerate(null);

    // A phone's share sheet opens the share target URL: the composer, with the link in the text.
    const shared = 'https://example.com/tide-tables?week=32';
    await page.goto(`/compose?title=${encodeURIComponent('Tide tables')}&url=${encodeURIComponent(shared)}`);
    await page.getByRole('heading', { name: 'Compose' }).waitFor();
    await expect
      .poll(() => page.getByLabel('What do you want to share?').inputValue())
      .toBe(`Tide tables\n${shared}`);
    await app.shot('03-shared-link');
    app.assertNoConsoleErrors();
    await app.context.close();
  });
});

interface Manifest {
  name: string;
  start_url: string;
  icons: { src: string; sizes: string; type: string }[];
  share_target: unknown;
}

async function fillSignIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The organization chosen in the top bar's switcher. */
function selectedOrganization(page: Page): Promise<string> {
  return page
    .getByLabel('Organization')
    .evaluate(
      (select) => (select as unknown as { selectedOptions: { text: string }[] }).selectedOptions[0]!.text,
    );
}

/** Width × height from a PNG's IHDR chunk, as a manifest writes sizes. */
function pngSize(png: Buffer): string {
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  return `${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`;
}
