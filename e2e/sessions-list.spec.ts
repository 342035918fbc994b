// A sessions list longer than a screen: the first screenful paints at once, the rest follows, and all of it stays
// in the page — in order, searchable, filterable, reachable by role.
import { expect, test, type Page } from '@playwright/test';
import type { SessionRecord } from '../src/core/records.ts';
import type { SyncResponse } from '../src/core/sync.ts';
import { groupSessions, type ListFilter } from '../src/app/stores/session-list.ts';
import { api, pairPhone, startSession, stopAndWait, world, route } from './support/world.ts';

/** Session ids in the order the list must show them (grouped by machine, newest first), from the server's truth. */
async function expectedOrder(filter: ListFilter, query = ''): Promise<string[]> {
  const sync = await route('sync', { query: { since: 0 } });
  const machines = Object.fromEntries(sync.machines.map((m) => [m.id, m]));
  return groupSessions(sync.sessions, machines, sync.settings, { filter, query, fresh: true, now: Date.now() }).flatMap((g) => g.rows.map((r) => r.session.id));
}

const shownOrder = (page: Page) => page.locator('.session-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.sessionId!));

test('a list longer than a screen paints its first rows at once, then holds every session, searchable and filterable', async ({ page }) => {
  test.setTimeout(180_000);
  // A short screen, so a handful of sessions is already more than the first screenful.
  await page.setViewportSize({ width: 412, height: 320 });
  const made: SessionRecord[] = [];
  try {
    for (let i = 1; i <= 16; i++) {
      const s = await startSession({ provider: 'claude', title: `Batch row ${i}` });
      made.push(await stopAndWait(s.id));
    }
    const all = await expectedOrder('all');
    expect(all.length).toBeGreaterThan(16);

    // Record how many rows the first render put in the page, before any idle-time chunk ran.
    await page.addInitScript(() => {
      const w = window as unknown as { __firstRows?: string[] };
      new MutationObserver((_, mo) => {
        const rows = [...document.querySelectorAll<HTMLElement>('.session-row')];
        if (rows.length === 0) return;
        w.__firstRows = rows.map((r) => r.dataset.sessionId!);
        mo.disconnect();
      }).observe(document, { childList: true, subtree: true });
    });
    await pairPhone(page);
    await page.reload();
    await expect.poll(() => shownOrder(page)).toEqual(all);
    const first = await page.evaluate(() => (window as unknown as { __firstRows?: string[] }).__firstRows ?? []);
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(all.length);
    expect(first).toEqual(all.slice(0, first.length));

    // Every row is a real link in the page, even far below the first screen.
    const last = made[0]!;
    await page.getByRole('link', { name: /Batch row 1\b/ }).scrollIntoViewIfNeeded();
    await expect(page.locator(`[data-session-id="${last.id}"]`)).toBeInViewport();
    await expect(page.getByRole('region', { name: /^Machine laptop/ })).toBeVisible();

    // Search: only what matches, in order; clearing it brings the whole list back.
    await page.getByRole('searchbox', { name: 'Search sessions' }).fill('Batch row 1');
    await expect.poll(() => shownOrder(page)).toEqual(await expectedOrder('all', 'Batch row 1'));
    expect(await shownOrder(page)).toHaveLength(8); // 1, 10–16
    await page.getByRole('searchbox', { name: 'Search sessions' }).fill('');
    await expect.poll(() => shownOrder(page)).toEqual(all);

    // Filters: archived sessions have their own.
    await route('archiveSession', { id: made[1]!.id });
    await expect(page.locator(`[data-session-id="${made[1]!.id}"]`)).toHaveCount(0);
    await page.getByRole('button', { name: 'Archived' }).click();
    await expect.poll(() => shownOrder(page)).toEqual(await expectedOrder('archived'));
    await expect(page.locator(`[data-session-id="${made[1]!.id}"]`)).toBeVisible();
    await page.getByRole('button', { name: 'Inactive' }).click();
    await expect.poll(() => shownOrder(page)).toEqual(await expectedOrder('inactive'));
  } finally {
    // Out of the way of later specs (and their screenshots): archived sessions leave the default list.
    for (const s of made) await route('archiveSession', { id: s.id }).catch(() => {});
  }
});
