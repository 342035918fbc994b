// Offline first: the list and a transcript render from the cache with "as of"; a message queued offline is delivered once.
import { expect, test } from '@playwright/test';
import { SOCKET_PATHS } from '../src/core/index.ts';
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
  // Going offline from a live screen: the catch-up after the socket's welcome may still be in flight (see below).
  await expect(page.locator('.freshness.live')).toBeVisible();

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

// Regression (the flaky "offline — as of" wait in CI): every route change restarted the profile's runtime —
// socket closed and reopened, stores reset to "connecting", window listeners gone for a moment — so going
// offline right after opening a session raced a runtime half torn down. One socket now lives across screens.
test('moving between screens keeps the one events socket and stays live', async ({ page }) => {
  const s = await startSession({ provider: 'claude', title: 'Walk around the app', message: 'hello' });
  const sockets: string[] = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  await pairPhone(page);
  await expect(page.locator('.freshness.live')).toBeVisible();
  await page.locator(`[data-session-id="${s.id}"]`).click();
  await expect(page.getByRole('log', { name: 'Transcript' })).toContainText('echo: hello');
  await page.getByRole('link', { name: 'Back to sessions' }).click();
  await page.getByRole('link', { name: 'Machines', exact: true }).click();
  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  await page.getByRole('link', { name: 'Sessions', exact: true }).click();
  await expect(page.locator('.freshness.live')).toBeVisible();
  expect(sockets.filter((u) => u.endsWith(SOCKET_PATHS.events))).toHaveLength(1);
});

// A late catch-up: one that was in flight when the network went, answered afterwards. It is applied (its time
// shows) but the screen keeps saying offline — what it shows is no longer live.
test('a catch-up answered after the phone went offline is applied but the screen still says offline', async ({ page, context }) => {
  await pairPhone(page);
  await swControls(page);
  await expect(page.locator('.freshness.live')).toBeVisible();
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let reached!: () => void;
  const syncing = new Promise<void>((r) => (reached = r));
  let delivered!: () => void;
  const done = new Promise<void>((r) => (delivered = r));
  // Hold the next catch-up's answer until the phone is offline, then hand it over.
  await page.route(/\/api\/sync\?/, async (route) => {
    const response = await route.fetch();
    reached();
    await held;
    await route.fulfill({ response });
    delivered();
  }, { times: 1 });
  await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
  await syncing;
  await context.setOffline(true);
  await expect(page.getByText(/offline — as of/)).toBeVisible();
  const before = await page.locator('.freshness').textContent();
  // Let the clock pass a second so the late catch-up's "as of" time differs from the one shown now.
  await page.waitForFunction((t) => new Date().getSeconds() !== t, new Date().getSeconds());
  release();
  await done;
  await expect(page.locator('.freshness')).not.toHaveText(before ?? '');
  await expect(page.locator('.freshness')).toHaveText(/^offline — as of \d\d:\d\d:\d\d$/);
  await context.setOffline(false);
  await expect(page.locator('.freshness.live')).toBeVisible();
});
