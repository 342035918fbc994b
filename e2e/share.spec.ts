// A read-only share link opened in a fresh browser (no pairing) shows the live transcript and no composer.
import { expect, test } from '@playwright/test';
import { pairPhone, startSession, world } from './support/world.ts';

test('a share link in a fresh context shows the read-only transcript and no composer', async ({ page, browser }) => {
  const s = await startSession({ provider: 'claude', title: 'Show my teammate', message: 'explain the resume protocol' });
  await pairPhone(page);
  await page.goto(`${world().url}/#/s/${s.id}`);
  await page.getByRole('button', { name: 'Share' }).click();
  const dialog = page.getByRole('dialog', { name: 'Share a read-only link' });
  await dialog.getByRole('button', { name: '1 hour' }).click();
  await dialog.getByRole('button', { name: 'Create link' }).click();
  const url = await dialog.getByRole('textbox', { name: 'Share link' }).inputValue();
  // The token rides in the fragment: the browser never sends it to the server, a proxy or an access log. The link names its server.
  expect(url).toMatch(/^http.*\/shared\?server=[^#]+#bs_[A-Za-z0-9_-]+$/);
  const token = new URL(url).hash.slice(1);
  await dialog.getByRole('button', { name: 'Done' }).click();

  const stranger = await browser.newContext({ ...(await import('@playwright/test')).devices['Pixel 7'] });
  try {
    const viewer = await stranger.newPage();
    const paths: string[] = [];
    viewer.on('request', (r) => paths.push(new URL(r.url()).pathname + new URL(r.url()).search));
    await viewer.goto(url);
    await expect(viewer.getByRole('log', { name: 'Transcript' })).toContainText('echo: explain the resume protocol');
    await expect(viewer.getByText('read-only', { exact: true })).toBeVisible();
    await expect(viewer.getByRole('textbox', { name: 'Message' })).toHaveCount(0);
    await expect(viewer.getByRole('button', { name: /send/i })).toHaveCount(0);
    // Live: a new turn on the laptop appears without reloading.
    await page.getByRole('textbox', { name: 'Message' }).fill('and the outbox?');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await expect(viewer.getByRole('log', { name: 'Transcript' })).toContainText('echo: and the outbox?');
    await viewer.screenshot({ path: 'docs/screenshots/share-view.png' });
    expect(paths.filter((p) => p.includes(token))).toEqual([]);
    // A link of the older form (token in the path) still opens.
    const old = await stranger.newPage();
    await old.goto(`${world().url}/shared/${token}`);
    await expect(old.getByRole('log', { name: 'Transcript' })).toContainText('echo: and the outbox?');
  } finally {
    await stranger.close();
  }
});
