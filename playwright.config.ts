// Playwright: the built PWA on a Pixel 7 profile against a real `baton up` with the fake agents, and the core phone
// flows (e2e/engines) in three engines: Chromium, Firefox ESR (WebDriver BiDi) and WebKitGTK (WebDriver). Never downloads a browser.
import { defineConfig, devices } from '@playwright/test';
import type { EngineOptions } from './e2e/engines/fixtures.ts';
import { CHROMIUM_LAUNCH as launchOptions } from './e2e/engines/fixtures.ts';

export default defineConfig<EngineOptions>({
  testDir: 'e2e',
  testMatch: /.*\.spec\.ts/,
  globalSetup: './e2e/global-setup.ts',
  // One `baton up` serves every spec; specs share its account, so they run one at a time.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: 'list',
  use: {
    ...devices['Pixel 7'],
    launchOptions,
    serviceWorkers: 'allow',
    trace: 'off',
  },
  projects: [
    {
      name: 'pixel-7',
      use: { ...devices['Pixel 7'], launchOptions, serviceWorkers: 'allow', engine: 'chromium' },
    },
    // Debian's firefox-esr (140 here) through puppeteer-core's WebDriver BiDi.
    { name: 'firefox-esr', testMatch: /engines\/.*\.spec\.ts/, use: { engine: 'firefox' } },
    // Debian's WebKitGTK: WebKitWebDriver + MiniBrowser under xvfb-run.
    { name: 'webkitgtk', testMatch: /engines\/.*\.spec\.ts/, use: { engine: 'webkit' } },
  ],
});
