import fs from 'node:fs/promises';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { Registry } from 'prom-client';
import { expect } from 'vitest';
import { type Simulator, startSimulator } from '../../sim/server.ts';
import { createLogger } from '../../src/logger.ts';
import { BufferedPublishEvents, NotificationSink } from '../../src/publisher/publish-events.ts';
import type { Publisher } from '../../src/publisher/publisher.ts';
import { createPublisher } from '../../src/publisher/start-publisher.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];
export const SCREENSHOT_DIR = path.resolve('test-results/browser');

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** The whole product: the app serving the built dashboard, a publisher, and the network simulator. */
export interface Stack {
  app: TestApp;
  sim: Simulator;
  publisher: Publisher;
  browser: Browser;
  close(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const sim = await startSimulator({ seed: 11 });
  const app = await startTestApp({
    env: {
      // The simulator listens on loopback, which the SSRF guard refuses unless told otherwise.
      SSRF_ALLOW_PRIVATE: 'true',
      PUBLISH_LEASE_MS: '2000',
      PUBLISH_RETRY_BASE_MS: '50',
      PUBLISH_REQUEST_TIMEOUT_MS: '2000',
    },
  });
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const publisher = createPublisher({
    config: app.config,
    sql: app.sql,
    secretBox: app.secretBox,
    log,
    registry: new Registry(),
    events: new BufferedPublishEvents([new NotificationSink(app.sql)], log, 20),
  });
  await publisher.start();
  const browser = await launchChromium();
  return {
    app,
    sim,
    publisher,
    browser,
    async close() {
      await browser.close().catch(() => undefined);
      await publisher.stop(2_000).catch(() => undefined);
      await app.close();
      await sim.close();
    },
  };
}

/**
 * A browser tab that fails the test on any console error or uncaught exception, with a helper to
 * save screenshots where CI keeps them as artifacts.
 */
export interface Tab {
  context: BrowserContext;
  page: Page;
  consoleErrors: string[];
  shot(name: string): Promise<void>;
  assertNoConsoleErrors(): void;
  /** Console errors matching this are expected for now (e.g. while offline); null expects none. */
  tolerate(pattern: RegExp | null): void;
}

export async function openTab(
  browser: Browser,
  baseURL: string,
  options: {
    viewport?: { width: number; height: number };
    prefix: string;
    /** Service workers would cache between runs, so the journeys block them unless they test them. */
    serviceWorkers?: 'allow' | 'block';
  },
): Promise<Tab> {
  const context = await browser.newContext({
    baseURL,
    viewport: options.viewport ?? { width: 1280, height: 900 },
    serviceWorkers: options.serviceWorkers ?? 'block',
  });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  let tolerated: RegExp | null = null;
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // Chromium logs every 4xx answer as "Failed to load resource"; the journeys provoke some on
    // purpose (validation errors, the signed-out /api/me). Server errors are caught below instead.
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) return;
    if (tolerated?.test(message.text())) return;
    consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 500) consoleErrors.push(`server error ${response.status()} ${response.url()}`);
  });
  await fs.mkdir(SCREENSHOT_DIR, { recursive: true });
  return {
    context,
    page,
    consoleErrors,
    async shot(name) {
      await page.screenshot({
        path: path.join(SCREENSHOT_DIR, `${options.prefix}-${name}.png`),
        fullPage: true,
      });
    },
    assertNoConsoleErrors() {
      expect(consoleErrors).toEqual([]);
    },
    tolerate(pattern) {
      tolerated = pattern;
    },
  };
}

/** A simulated network account to connect as a channel. */
export async function simAccount(sim: Simulator, network: 'mastodon' | 'x' = 'mastodon') {
  const res = await fetch(`${sim.url}/_sim/accounts`, { method: 'POST', body: JSON.stringify({ network }) });
  return (await res.json()) as { id: string; username: string; accessToken: string };
}

/** A small real PNG, made with sharp, to upload as a post's image. */
export async function samplePng(file: string): Promise<string> {
  const sharp = (await import('sharp')).default;
  await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 30, g: 80, b: 200 } } })
    .png()
    .toFile(file);
  return file;
}

/** The API as the dashboard calls it from this page: its session cookie, CSRF token and Origin. */
export function pageApi(page: Page, origin: string) {
  const get = async <T>(pathname: string): Promise<T> => {
    const response = await page.request.get(pathname);
    expect(response.status(), pathname).toBe(200);
    return (await response.json()) as T;
  };
  const write = async <T>(method: 'PUT' | 'POST' | 'PATCH', pathname: string, data: unknown): Promise<T> => {
    const { csrfToken } = await get<{ csrfToken: string }>('/api/me');
    const response = await page.request.fetch(pathname, {
      method,
      data,
      headers: { 'x-csrf-token': csrfToken, origin },
    });
    expect(response.status(), `${method} ${pathname}: ${await response.text()}`).toBeLessThan(300);
    return (await response.json()) as T;
  };
  return { get, write };
}

/** Signs a new person up through the dashboard's form; returns their organization's id. */
export async function signUpInBrowser(
  page: Page,
  person: { name: string; email: string; organization: string },
): Promise<string> {
  await page.goto('/signup');
  await page.getByLabel('Your name').fill(person.name);
  await page.getByLabel('Email').fill(person.email);
  await page.getByLabel('Password').fill('correct horse battery staple');
  await page.getByLabel('Business or team name').fill(person.organization);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/channels');
  const response = await page.request.get('/api/me');
  return ((await response.json()) as { organizations: { id: string }[] }).organizations[0]!.id;
}

/** Adds a new simulator Mastodon account as a channel through the "access token" form. */
export async function addSimulatorChannel(page: Page, sim: Simulator, handle: string) {
  const account = await simAccount(sim, 'mastodon');
  await page.getByRole('button', { name: 'Add with an access token' }).click();
  const form = page.getByRole('form', { name: 'Add a channel with an access token' });
  await form.getByLabel('Network').selectOption('mastodon');
  await form.getByLabel('Handle').fill(handle);
  await form.getByLabel('Account id (optional)').fill(account.id);
  await form.getByLabel('Service URL').fill(`${sim.url}/mastodon`);
  await form.getByLabel('Access token').fill(account.accessToken);
  await form.getByRole('button', { name: 'Add channel' }).click();
  await page.getByRole('heading', { name: `@${handle} · Mastodon` }).waitFor();
  return account;
}
