// A new version of the app: the waiting service worker raises "Update available — Reload", and Reload switches to it.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { pairPhone, swControls, world } from './support/world.ts';

/** Ask the controlling worker which version it is; the published "new version" answers, the build does not. */
const controllerVersion = (page: import('@playwright/test').Page) =>
  page.evaluate(
    () =>
      new Promise<string>((ok) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = (e) => ok(String((e.data as { version?: string }).version));
        navigator.serviceWorker.controller!.postMessage({ type: 'E2E_VERSION' }, [channel.port2]);
        setTimeout(() => ok('the build (no answer)'), 1000);
      }),
  );

test('a new service worker waiting shows "Update available"; Reload hands the page to it', async ({ page }) => {
  const sw = join(world().appDir, 'sw.js');
  const original = readFileSync(sw, 'utf8');
  await pairPhone(page);
  await swControls(page);
  await expect(page.getByRole('status').filter({ hasText: 'Update available' })).toHaveCount(0);
  expect(await controllerVersion(page)).toBe('the build (no answer)');

  // Publish a new version: a changed sw.js (the same app plus a version marker it answers with).
  const version = `v-${Date.now()}`;
  appendFileSync(sw, `\nself.addEventListener('message', (e) => { if (e.data && e.data.type === 'E2E_VERSION') e.ports[0].postMessage({ version: ${JSON.stringify(version)} }); });\n`);
  try {
    // Coming back to the app looks for a new version.
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    const prompt = page.getByRole('status').filter({ hasText: 'Update available' });
    await expect(prompt).toBeVisible();
    // The page keeps running on the old worker until the user says so.
    expect(await controllerVersion(page)).toBe('the build (no answer)');
    await page.screenshot({ path: 'docs/screenshots/update-prompt.png' });

    const reloaded = page.waitForEvent('load');
    await prompt.getByRole('button', { name: /Reload/ }).click();
    await reloaded;
    await swControls(page);
    expect(await controllerVersion(page)).toBe(version);
    await expect(page.getByRole('status').filter({ hasText: 'Update available' })).toHaveCount(0);
    await expect(page.getByRole('heading', { name: 'Sessions' })).toBeVisible();
  } finally {
    writeFileSync(sw, original);
  }
});
