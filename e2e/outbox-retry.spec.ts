// Regression (issue 17): with the server unreachable but the phone online, each failed send re-registered
// Background Sync and Chromium fired it at once — 760–890 `POST /messages` in 10 s. `setOffline` hid it (Background
// Sync waits for the network then). Here the server really refuses connections and the phone stays online.
import { expect, test } from '@playwright/test';
import { startStack, until, type Stack } from './engines/stack.ts';

let stack: Stack;
test.beforeAll(async () => {
  stack = await startStack('retry');
});
test.afterAll(async () => {
  await stack?.close();
});

test('while the server refuses connections, a queued message is retried a few times, not hundreds, and sent once when it is back', async ({ page, context }) => {
  const s = await stack.resumableSession('Retry politely');
  // How often the page asks for Background Sync (it must not while the device is online).
  await context.addInitScript(() => {
    const w = window as unknown as { __syncRegistrations: number; SyncManager?: { prototype: { register: (tag: string) => Promise<void> } } };
    w.__syncRegistrations = 0;
    const proto = w.SyncManager?.prototype;
    if (!proto) return;
    const register = proto.register;
    proto.register = function (this: unknown, tag: string) {
      w.__syncRegistrations++;
      return register.call(this, tag);
    };
  });
  await page.goto(await stack.pairLink());
  await page.getByRole('button', { name: 'Pair this phone' }).click();
  await expect(page.getByRole('heading', { name: 'Sessions' })).toBeVisible();
  await page.waitForFunction(() => navigator.serviceWorker?.controller !== null, null, { timeout: 20_000 });
  await page.goto(`${stack.url}/#/s/${s.id}`);
  await expect(page.locator('.topbar .chip')).toHaveText('inactive · resumable');
  await expect(page.locator('.freshness.live')).toBeVisible();

  await stack.stopServer();
  await stack.stopDaemon();
  await expect(page.getByText(/offline — as of/)).toBeVisible();
  expect(await page.evaluate(() => navigator.onLine)).toBe(true);

  const posts: number[] = [];
  context.on('request', (r) => {
    if (r.method() === 'POST' && /\/api\/sessions\/[^/]+\/messages$/.test(r.url())) posts.push(Date.now());
  });
  const start = Date.now();
  await page.getByRole('textbox', { name: 'Message' }).fill('do not hammer the server');
  await page.getByRole('button', { name: 'Resume & send' }).click();
  const mine = page.locator('.msg-user').filter({ hasText: 'do not hammer the server' });
  await expect(mine.locator('.state')).toHaveText('queued');
  await page.waitForTimeout(10_000); // the measurement window itself: requests are counted as they happen
  const perSecond = new Map<number, number>();
  for (const t of posts) perSecond.set(Math.floor((t - start) / 1000), (perSecond.get(Math.floor((t - start) / 1000)) ?? 0) + 1);
  // The shared backoff: the first send, then about 1, 2, 4, 8 s apart.
  expect(posts.length).toBeGreaterThanOrEqual(2);
  expect(posts.length).toBeLessThanOrEqual(6);
  expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(2);
  expect(await page.evaluate(() => (window as unknown as { __syncRegistrations: number }).__syncRegistrations)).toBe(0);

  // Back: sent once, through the strict resume.
  await stack.startServer();
  await stack.startDaemon();
  await expect(mine.locator('.state')).toHaveText('answered', { timeout: 45_000 });
  const stored = await until('answered on the server', async () => {
    const all = (await stack.messages(s.id)).filter((m) => m.text === 'do not hammer the server');
    return all.length > 0 && all.every((m) => m.state === 'answered') ? all : undefined;
  });
  expect(stored).toHaveLength(1);
});
