// The `phone` fixture for the core flows, in whichever engine the Playwright project names, and that engine's private stack.
import { chromium, devices, test as base } from '@playwright/test';
import { join } from 'node:path';
import type { Browser as FirefoxBrowser } from 'puppeteer-core';
import { firefoxPhone, launchFirefox } from './firefox-phone.ts';
import type { Engine, Phone } from './phone.ts';
import { playwrightPhone } from './playwright-phone.ts';
import { startStack, type Stack } from './stack.ts';
import { webkitPhone } from './webkit-phone.ts';

export const CHROMIUM_LAUNCH = {
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};

export interface EngineOptions {
  /** Which engine the `phone` fixture drives (a project option). */
  readonly engine: Engine;
}

async function openPhone(engine: Engine, firefox: () => Promise<FirefoxBrowser>): Promise<{ phone: Phone; close: () => Promise<void> }> {
  switch (engine) {
    case 'chromium': {
      const browser = await chromium.launch(CHROMIUM_LAUNCH);
      const context = await browser.newContext({ ...devices['Pixel 7'], serviceWorkers: 'allow' });
      const page = await context.newPage();
      return { phone: playwrightPhone(page), close: () => browser.close() };
    }
    case 'firefox': {
      const phone = await firefoxPhone(await firefox());
      return { phone, close: () => phone.close() };
    }
    case 'webkit': {
      const phone = await webkitPhone();
      return { phone, close: () => phone.close() };
    }
  }
}

export const test = base.extend<{ phone: Phone; shot: (name: string) => Promise<void> }, EngineOptions & { stack: Stack; firefox: () => Promise<FirefoxBrowser> }>({
  engine: ['chromium', { option: true, scope: 'worker' }],
  // One private server + daemon per engine's run; 45 provider-native sessions make the list longer than a screen.
  stack: [async ({ engine }, use) => {
    const stack = await startStack(engine, { directSessions: 45 });
    await use(stack);
    await stack.close();
  }, { scope: 'worker', timeout: 60_000 }],
  // Firefox starts once per run (about 3 s), on first use.
  firefox: [async ({}, use) => {
    const launched: { browser: Promise<FirefoxBrowser> | null } = { browser: null };
    await use(() => (launched.browser ??= launchFirefox()));
    if (launched.browser) await (await launched.browser).close();
  }, { scope: 'worker' }],
  // A fresh browser profile per test: its own service worker, IndexedDB and outbox.
  phone: async ({ engine, firefox }, use) => {
    const { phone, close } = await openPhone(engine, firefox);
    try {
      await use(phone);
    } finally {
      await close();
    }
  },
  // Screenshots per engine, in the e2e output directory: <outputDir>/screenshots/<engine>/<name>.png.
  shot: async ({ phone }, use, info) => {
    await use(async (name) => {
      const { shoot } = await import('./phone.ts');
      await shoot(phone, join(info.project.outputDir, 'screenshots', phone.engine, `${name}.png`));
    });
  },
});
export { expect } from '@playwright/test';
