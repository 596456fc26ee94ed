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
}

export async function openTab(
  browser: Browser,
  baseURL: string,
  options: { viewport?: { width: number; height: number }; prefix: string },
): Promise<Tab> {
  const context = await browser.newContext({
    baseURL,
    viewport: options.viewport ?? { width: 1280, height: 900 },
    // Service workers would cache between runs; the journeys test the live app.
    serviceWorkers: 'block',
  });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // Chromium logs every 4xx answer as "Failed to load resource"; the journeys provoke some on
    // purpose (validation errors, the signed-out /api/me). Server errors are caught below instead.
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())) return;
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
