// Made for a phone: 360 px wide without sideways scrolling, long titles and folders truncated, dark theme,
// a name on every control, and a focus order that follows the screen. Saves the 360 px / dark screenshots.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { SessionRecord } from '../src/core/records.ts';
import { api, getSession, machineId, messagesOf, pairPhone, startSession, until, world, route } from './support/world.ts';

test.use({ viewport: { width: 360, height: 760 } });

const LONG_TITLE = 'Refactor the authentication middleware so that every single route checks the session token and refresh flow consistently';

/** A session in a deep folder with a long title, answered once (so it has a transcript and can resume). */
async function longSession(): Promise<SessionRecord> {
  const cwd = join(world().tmp, 'a-very-long-folder-name-for-the-monorepo', 'packages', 'authentication-middleware-service', `src-${Date.now()}`);
  mkdirSync(cwd, { recursive: true });
  const { session } = await route('startSession', { body: {
    machineId: await machineId(), provider: 'claude', cwd, title: LONG_TITLE,
    message: { clientId: `layout-${Date.now()}`, text: 'look at src/middleware/authenticate-every-request-with-a-very-long-identifier.ts please' },
  } });
  await until('answered', async () => (await messagesOf(session.id)).some((m) => m.role === 'user' && m.state === 'answered'));
  return getSession(session.id);
}

/** Nothing on the page is wider than the screen: the document does not scroll sideways and no element pokes out. */
async function expectNoHorizontalOverflow(page: Page, screen: string): Promise<void> {
  const found = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const out: string[] = [];
    if (document.documentElement.scrollWidth > width) out.push(`document scrolls to ${document.documentElement.scrollWidth}px`);
    for (const el of document.querySelectorAll<HTMLElement>('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      // Inside a scroller of its own (the copy-command line, a code block) is fine; the screen is not.
      let clipped = false;
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX;
        if (o === 'hidden' || o === 'auto' || o === 'scroll' || o === 'clip') clipped = true;
      }
      if (!clipped && (r.right > width + 0.5 || r.left < -0.5)) out.push(`${el.tagName.toLowerCase()}.${el.className} spans ${Math.round(r.left)}–${Math.round(r.right)}px`);
    }
    return out;
  });
  expect(found, `${screen} at 360 px`).toEqual([]);
}

/** Every button, link and field has a name a screen reader can say. */
async function expectNamedControls(page: Page, screen: string): Promise<void> {
  const unnamed = await page.evaluate(() => {
    const nameOf = (el: HTMLElement): string => {
      const label = el.getAttribute('aria-label') ?? '';
      const by = (el.getAttribute('aria-labelledby') ?? '').split(/\s+/).filter(Boolean).map((id) => document.getElementById(id)?.textContent ?? '').join(' ');
      const own = el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement ? '' : (el.textContent ?? '');
      const labels = 'labels' in el ? [...((el as HTMLInputElement).labels ?? [])].map((l) => l.textContent ?? '').join(' ') : '';
      return `${label} ${by} ${own} ${labels} ${el.getAttribute('title') ?? ''}`.replace(/[\s‹›☰▣⚙+]+/g, ' ').trim();
    };
    return [...document.querySelectorAll<HTMLElement>('button, a[href], input, textarea, select, [role="button"]')]
      .filter((el) => el.getClientRects().length > 0 && !(el instanceof HTMLInputElement && el.type === 'hidden'))
      .filter((el) => nameOf(el) === '')
      .map((el) => el.outerHTML.slice(0, 120));
  });
  expect(unnamed, `unnamed controls on ${screen}`).toEqual([]);
}

/** Press Tab until `last` is focused; return the accessible-ish names focused on the way. */
async function tabOrder(page: Page, stopAt: RegExp, max = 40): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const name = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return '(body)';
      return (el.getAttribute('aria-label') ?? ((el as HTMLInputElement).labels?.[0]?.textContent || el.textContent || el.tagName)).trim().replace(/\s+/g, ' ');
    });
    seen.push(name);
    if (stopAt.test(name)) return seen;
  }
  throw new Error(`Tab never reached ${stopAt}: ${seen.join(' → ')}`);
}

test('360 px: the list and a session fit the screen, long titles and folders truncate, every control is named', async ({ page }) => {
  const s = await longSession();
  const archived = await startSession({ provider: 'claude', title: 'An archived session whose title is also far too long for a phone screen', message: 'hi' });
  await route('archiveSession', { id: archived.id });
  await pairPhone(page);

  const row = page.locator(`[data-session-id="${s.id}"]`);
  await expect(row).toContainText('Refactor the authentication');
  await expect(row.locator('.chip')).toHaveText('live');
  // The folder is cut with an ellipsis; the title gets two lines and at least half the row, however long the chip
  // beside it (it is cut after two lines); the chip stays whole.
  const cwd = await row.locator('.row-cwd').evaluate((e) => ({ scroll: e.scrollWidth, client: e.clientWidth, overflow: getComputedStyle(e).textOverflow }));
  expect(cwd.scroll, '.row-cwd is longer than its box').toBeGreaterThan(cwd.client);
  expect(cwd.overflow).toBe('ellipsis');
  const rowTitle = await row.locator('.row-title').evaluate((e) => ({ scroll: e.scrollHeight, client: e.clientHeight, width: e.getBoundingClientRect().width, row: e.parentElement!.getBoundingClientRect().width, lineHeight: parseFloat(getComputedStyle(e).lineHeight) }));
  expect(rowTitle.scroll, 'the long title is cut after two lines').toBeGreaterThan(rowTitle.client);
  expect(Math.round(rowTitle.client / rowTitle.lineHeight)).toBe(2);
  expect(rowTitle.width / rowTitle.row).toBeGreaterThanOrEqual(0.45);
  const chip = await row.locator('.chip').boundingBox();
  expect(chip!.x + chip!.width).toBeLessThanOrEqual(360);
  await expectNoHorizontalOverflow(page, 'the sessions list');
  await expectNamedControls(page, 'the sessions list');
  await page.screenshot({ path: 'docs/screenshots/list-360.png' });

  await page.getByRole('button', { name: 'Archived' }).click();
  await expect(page.locator(`[data-session-id="${archived.id}"] .chip`)).toHaveText('blocked: archived');
  await expectNoHorizontalOverflow(page, 'the archived list');
  await page.getByRole('button', { name: 'All' }).click();

  await row.click();
  await expect(page.getByRole('log', { name: 'Transcript' })).toContainText('echo: look at src/middleware');
  const title = page.locator('.session-title');
  expect(await title.evaluate((e) => e.scrollHeight > e.clientHeight)).toBe(true);
  // Touch targets: every button and link on the screen is at least 44 px tall.
  const small = await page.evaluate(() => [...document.querySelectorAll<HTMLElement>('.topbar button, .topbar a, .composer button, .session-screen .btn')]
    .filter((el) => el.getClientRects().length > 0)
    .filter((el) => el.getBoundingClientRect().height < 44)
    .map((el) => `${el.tagName.toLowerCase()} "${el.textContent?.trim()}" ${Math.round(el.getBoundingClientRect().height)}px`));
  expect(small).toEqual([]);
  await expectNoHorizontalOverflow(page, 'a live session');
  await expectNamedControls(page, 'a live session');
  await page.screenshot({ path: 'docs/screenshots/session-360.png' });

  await page.goto(`${world().url}/#/s/${archived.id}`);
  await expect(page.getByRole('alert', { name: 'Why this session cannot take a message' })).toBeVisible();
  await expectNoHorizontalOverflow(page, 'a blocked session');
  await expectNamedControls(page, 'a blocked session');

  for (const [path, screen] of [['/machines', 'machines'], ['/settings', 'settings'], ['/new', 'new session'], ['/servers', 'servers']] as const) {
    await page.goto(`${world().url}/#${path}`);
    await expect(page.locator('.topbar h1')).toBeVisible();
    await page.locator('main').first().waitFor();
    await expectNoHorizontalOverflow(page, screen);
    await expectNamedControls(page, screen);
  }
});

test('dark theme at 360 px: the list and a session (screenshots), readable text', async ({ page }) => {
  const s = await longSession();
  await page.emulateMedia({ colorScheme: 'dark' });
  await pairPhone(page);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(bg).toBe('rgb(11, 18, 32)');
  await expect(page.locator(`[data-session-id="${s.id}"] .chip`)).toHaveText('live');
  await expectNoHorizontalOverflow(page, 'the dark list');
  await page.screenshot({ path: 'docs/screenshots/list-dark.png' });
  await page.locator(`[data-session-id="${s.id}"]`).click();
  await expect(page.getByRole('log', { name: 'Transcript' })).toContainText('echo: look at src/middleware');
  await expectNoHorizontalOverflow(page, 'a dark session');
  await page.screenshot({ path: 'docs/screenshots/session-dark.png' });
});

test('focus order follows the screen: back, actions, transcript, composer; the share sheet holds and returns focus', async ({ page }) => {
  const s = await startSession({ provider: 'claude', title: 'Keyboard walk', message: 'hello keyboard' });
  await pairPhone(page);
  await page.goto(`${world().url}/#/s/${s.id}`);
  await expect(page.getByRole('log', { name: 'Transcript' })).toContainText('echo: hello keyboard');
  // From the top of a freshly loaded screen.
  await page.reload();
  await expect(page.getByRole('log', { name: 'Transcript' })).toContainText('echo: hello keyboard');
  const order = await tabOrder(page, /^Message$/);
  const at = (name: string) => order.indexOf(name);
  expect(at('Back to sessions'), order.join(' → ')).toBeGreaterThanOrEqual(0);
  expect(at('Back to sessions')).toBeLessThan(at('Share'));
  expect(at('Share')).toBeLessThan(at('Message'));
  expect(order).not.toContain('(body)');
  await page.keyboard.type('typed');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Send', exact: true })).toBeFocused();

  await page.getByRole('button', { name: 'Share' }).click();
  const sheet = page.getByRole('dialog', { name: 'Share a read-only link' });
  await expect(sheet).toBeVisible();
  expect(await sheet.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Tab');
    expect(await sheet.evaluate((d) => d.contains(document.activeElement)), 'Tab stays in the sheet').toBe(true);
  }
  await page.keyboard.press('Escape');
  await expect(sheet).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Share' })).toBeFocused();
});
