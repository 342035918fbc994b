// A 2,000-message session on a phone: a window of rows, older pages on scroll-up without losing the reader's place, the bottom followed live.
import { expect, test, type Locator } from '@playwright/test';
import type { MessageRecord } from '../src/core/records.ts';
import { api, feedMessages, pairPhone, startSession, until, world, route } from './support/world.ts';

/** Rows the view has in the DOM right now (not messages loaded). */
const renderedRows = (log: Locator) => log.locator('.row').count();

/** Equal within a device pixel or so (layout rounds to the device grid). */
const near = (a: number | null, b: number) => a !== null && Math.abs(a - b) < 2;

/** Where the row of `seq` sits, in px from the top of the transcript's viewport (null when not rendered). */
const rowTop = (log: Locator, seq: number) =>
  log.evaluate((el, s) => {
    const row = el.querySelector(`[data-seq="${s}"]`);
    return row ? row.getBoundingClientRect().top - el.getBoundingClientRect().top : null;
  }, seq);

test('a 2,000-message session renders far fewer rows than messages, scrolls to its first message, and keeps the reader in place', async ({ page }) => {
  test.setTimeout(240_000);
  const s = await startSession({ provider: 'claude', title: 'A very long session' });
  // Each turn stores three messages (the user's, the agent's tool call, its answer): 667 turns ≈ 2,000 messages.
  // Some answers are long, so rows have different heights.
  await feedMessages(
    s.id,
    Array.from({ length: 667 }, (_, n) => (n + 1) % 7 === 0 ? `turn ${n + 1}: ${'a longer paragraph that wraps over several lines on a phone '.repeat(4)}` : `turn ${n + 1}`),
  );
  const newest = await until(
    'the 667th turn answered',
    async () => {
      const { messages } = await route('listMessages', { id: s.id, query: { limit: 1 } });
      return messages[0]?.text === 'echo: turn 667' ? messages[0] : undefined;
    },
    180_000,
  );
  expect(newest.seq).toBeGreaterThanOrEqual(2000);

  await pairPhone(page);
  await page.goto(`${world().url}/#/s/${s.id}`);
  const log = page.getByRole('log', { name: 'Transcript' });
  await expect(log.getByText('echo: turn 667', { exact: true })).toBeInViewport();
  expect(await renderedRows(log)).toBeLessThan(60);

  // Scroll to the top again and again: each time the previous page arrives above, and the row that was at
  // the top stays exactly where it was.
  let pages = 0;
  while ((await log.getAttribute('data-has-older')) === 'true') {
    const first = Number(await log.getAttribute('data-first-seq'));
    await log.evaluate((el) => {
      el.scrollTop = 0;
    });
    await expect(log).not.toHaveAttribute('data-first-seq', String(first));
    await expect(log).toHaveAttribute('aria-busy', 'false');
    await expect.poll(async () => near(await rowTop(log, first), 12), { message: `row ${first} stays at the top` }).toBe(true);
    expect(await renderedRows(log)).toBeLessThan(80);
    expect(++pages).toBeLessThan(60);
  }
  expect(Number(await log.getAttribute('data-rows'))).toBeGreaterThanOrEqual(2000);
  await log.evaluate((el) => {
    el.scrollTop = 0;
  });
  await expect(log.getByText('turn 1', { exact: true })).toBeInViewport();
  expect(await renderedRows(log)).toBeLessThan(80);

  // Reading in the middle: a new turn arriving does not move what the reader looks at.
  await log.evaluate((el) => {
    el.scrollTop = el.scrollHeight / 2;
  });
  const middleSeq = await until('a row at the top of the viewport', async () =>
    log.evaluate((el) => {
      const box = el.getBoundingClientRect();
      const row = [...el.querySelectorAll<HTMLElement>('[data-seq]')].find((r) => r.getBoundingClientRect().bottom > box.top + 40);
      return row ? Number(row.dataset.seq) : undefined;
    }),
  );
  const middleTop = await rowTop(log, middleSeq);
  const rowsBefore = Number(await log.getAttribute('data-rows'));
  await route('sendMessage', { id: s.id, body: { clientId: `long-mid-${s.id}`, text: 'while you were reading' } });
  await expect.poll(async () => Number(await log.getAttribute('data-rows'))).toBeGreaterThanOrEqual(rowsBefore + 3);
  expect(near(await rowTop(log, middleSeq), middleTop!)).toBe(true);
  await expect(log.getByText('echo: while you were reading')).toHaveCount(0); // not rendered: far below the window

  // At the bottom, the view follows a live turn.
  await log.evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
  await expect(log.getByText('echo: while you were reading', { exact: true })).toBeInViewport();
  await route('sendMessage', { id: s.id, body: { clientId: `long-end-${s.id}`, text: 'one more thing' } });
  await expect(log.getByText('echo: one more thing', { exact: true })).toBeInViewport();
});
