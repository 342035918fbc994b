// Offline first: the list and a transcript render from the cache with "as of"; a message queued offline is delivered once.
import { expect, test } from '@playwright/test';
import { messagesOf, pairPhone, startSession, swControls, until, world } from './support/world.ts';

test('offline → reload: the list and a transcript still render from the cache, labelled "as of"', async ({ page, context }) => {
  const s = await startSession({ provider: 'claude', title: 'Read on the train', message: 'summarize the design' });
  await pairPhone(page);
  await swControls(page);
  await expect(page.locator(`[data-session-id="${s.id}"]`)).toBeVisible();
  await page.locator(`[data-session-id="${s.id}"]`).click();
  await expect(page.getByRole('log', { name: 'Transcript' })).toContainText('echo: summarize the design');
  await page.goto(`${world().url}/#/`);

  await context.setOffline(true);
  await page.reload();
  await expect(page.locator(`[data-session-id="${s.id}"]`)).toContainText('Read on the train');
  await expect(page.getByText(/offline — as of \d\d:\d\d:\d\d/)).toBeVisible();
  await page.screenshot({ path: 'docs/screenshots/offline-list.png' });
  await page.locator(`[data-session-id="${s.id}"]`).click();
  await expect(page.getByRole('log', { name: 'Transcript' })).toContainText('echo: summarize the design');
  await expect(page.getByText(/offline — as of/)).toBeVisible();
  await context.setOffline(false);
});

test('a message queued offline is delivered exactly once when the network returns', async ({ page, context }) => {
  const s = await startSession({ provider: 'claude', title: 'Queue while offline', message: 'hello' });
  await pairPhone(page);
  await swControls(page);
  await page.goto(`${world().url}/#/s/${s.id}`);
  await expect(page.getByRole('log', { name: 'Transcript' })).toContainText('echo: hello');

  await context.setOffline(true);
  await expect(page.getByText(/offline — as of/)).toBeVisible();
  await page.getByRole('textbox', { name: 'Message' }).fill('sent from a tunnel');
  await page.getByRole('button', { name: /send/i }).click();
  const mine = page.locator('.msg-user').filter({ hasText: 'sent from a tunnel' });
  await expect(mine.locator('.state')).toHaveText('queued');
  expect((await messagesOf(s.id)).filter((m) => m.text === 'sent from a tunnel')).toHaveLength(0);

  await context.setOffline(false);
  await expect(mine.locator('.state')).toHaveText('answered');
  const stored = await until('the message delivered', async () => {
    const all = (await messagesOf(s.id)).filter((m) => m.text === 'sent from a tunnel');
    return all.length > 0 && all.every((m) => m.state === 'answered') ? all : undefined;
  });
  expect(stored).toHaveLength(1);
  // Going to the background and back (another flush trigger) sends nothing again.
  await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await expect(page.getByRole('log', { name: 'Transcript' })).toContainText('echo: sent from a tunnel');
  expect((await messagesOf(s.id)).filter((m) => m.text === 'sent from a tunnel')).toHaveLength(1);
  expect((await messagesOf(s.id)).filter((m) => m.text === 'echo: sent from a tunnel')).toHaveLength(1);
});
