// Playwright: the built PWA on a Pixel 7 profile against a real `baton up` with the fake agents. Never downloads a browser.
import { defineConfig, devices } from '@playwright/test';

const launchOptions = {
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};

export default defineConfig({
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
      use: { ...devices['Pixel 7'], launchOptions, serviceWorkers: 'allow' },
    },
  ],
});
