import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { createHttpServer, type HttpServer } from '../../src/http.js';
import type { Clock } from '../../src/runtime/clock.js';
import { createTestApp, type StoreKind, type TestApp } from '../support/test-app.js';

/** Debian's Chromium, never a downloaded browser; flags per docs (TESTING.md) so it stays offline. */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

export interface ConsoleHarness {
  testApp: TestApp;
  server: HttpServer;
  /** http://localhost:<port>: a secure context, and the RP ID WebAuthn accepts. */
  origin: string;
  browser: Browser;
  newPage(): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

/** The real HTTP server on 127.0.0.1 over a fresh store, and a headless Chromium to drive it. */
export async function startConsoleHarness(
  kind: StoreKind = 'sqlite',
  options: { overrides?: Record<string, unknown>; clock?: Clock } = {},
): Promise<ConsoleHarness> {
  const testApp = await createTestApp(kind, options);
  const server = createHttpServer(testApp.app);
  await server.start('127.0.0.1', 0);
  const origin = `http://localhost:${server.port()}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
  });
  const contexts: BrowserContext[] = [];
  return {
    testApp,
    server,
    origin,
    browser,
    async newPage() {
      const context = await browser.newContext({ baseURL: origin });
      contexts.push(context);
      return { context, page: await context.newPage() };
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => {});
      await browser.close();
      await server.stop();
      await testApp.cleanup();
    },
  };
}

/** Chromium's virtual authenticator over CDP (TESTING.md): a platform passkey that needs no prompt. */
export async function addVirtualAuthenticator(context: BrowserContext, page: Page): Promise<void> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
    },
  });
}
