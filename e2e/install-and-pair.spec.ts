// A phone installs Baton, pairs from the link `baton up` printed, and sees the laptop's sessions live.
import { expect, test } from '@playwright/test';
import { pairPhone, startSession, swControls, world } from './support/world.ts';

test('the install criteria hold: manifest with icons, and a service worker that controls the page', async ({ page, request }) => {
  const w = world();
  const res = await request.get(`${w.url}/manifest.webmanifest`);
  expect(res.ok()).toBe(true);
  const manifest = await res.json();
  expect(manifest).toMatchObject({ name: 'Baton', short_name: 'Baton', display: 'standalone', start_url: '/' });
  expect(manifest.theme_color).toBeTruthy();
  expect(manifest.background_color).toBeTruthy();
  expect(manifest.shortcuts.length).toBeGreaterThan(0);
  const sizes = manifest.icons.map((i: { sizes: string; purpose: string }) => `${i.sizes} ${i.purpose}`);
  expect(sizes).toEqual(expect.arrayContaining(['192x192 any', '512x512 any', '512x512 maskable']));
  for (const icon of manifest.icons) expect((await request.get(`${w.url}${icon.src}`)).headers()['content-type']).toContain('image/png');

  await page.goto(w.url);
  await expect(page.locator('link[rel="manifest"]')).toHaveCount(1);
  await expect(page.locator('link[rel="apple-touch-icon"]')).toHaveAttribute('href', '/apple-touch-icon.png');
  await swControls(page);
  // The worker never answers /api from a cache.
  const health = await page.evaluate(async () => (await fetch('/api/health')).headers.get('content-type'));
  expect(health).toContain('application/json');
});

test('pair from the printed link; the sessions appear, grouped by machine, live', async ({ page }) => {
  const w = world();
  const fixing = await startSession({ provider: 'claude', title: 'Fix the login form', message: 'look at the login form' });
  await pairPhone(page, w.pairLink);

  const row = page.locator(`[data-session-id="${fixing.id}"]`);
  await expect(row).toContainText('Fix the login form');
  await expect(row).toContainText('claude · claude-stream');
  await expect(row.locator('.chip')).toHaveText('live');
  await expect(page.getByRole('region', { name: 'Machine laptop' })).toBeVisible();
  await expect(page.getByText('Up to date', { exact: true })).toBeVisible();
  await page.screenshot({ path: 'docs/screenshots/list.png' });

  await row.click();
  await expect(page.getByRole('log', { name: 'Transcript' })).toContainText('echo: look at the login form');
  await expect(page.locator('.tool-card').first()).toContainText('Read');
  await expect(page.getByRole('button', { name: 'Send', exact: true })).toBeVisible();
  await page.getByRole('textbox', { name: 'Message' }).fill('now add a test for it');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByRole('log', { name: 'Transcript' })).toContainText('echo: now add a test for it');
  await expect(page.locator('.msg-user').last().locator('.state')).toHaveText('answered');
  await page.screenshot({ path: 'docs/screenshots/session-live.png' });
});
