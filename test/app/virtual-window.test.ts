// @vitest-environment node
// Windowing a long transcript: few rows rendered, the reader's place kept when older pages load, the bottom followed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OutboxItem } from '../../src/app/lib/outbox-item.ts';
import { buildRows } from '../../src/app/lib/transcript-rows.ts';
import { anchorAt, computeWindow, estimateHeight, isAtBottom, layoutOffsets, rowAt, scrollTopFor } from '../../src/app/lib/virtual-window.ts';
import { userMessage } from './fake-api.ts';
import { agentMessage } from './records.ts';

/** Heights that vary like a real transcript: short tool lines, long answers, the odd permission card. */
const heightOf = (seq: number) => [38, 60, 160, 38, 92, 230][seq % 6]!;

function transcript(from: number, to: number) {
  const seqs = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  return { keys: seqs.map((s) => `m${s}`), offsets: layoutOffsets(seqs.length, (i) => heightOf(seqs[i]!)) };
}

describe('transcript window', () => {
  it('renders only the rows near the viewport of a 2,000-message session, and the spacers make up the rest', () => {
    const { offsets } = transcript(1, 2000);
    const total = offsets[2000]!;
    const viewport = 700;
    const atBottom = computeWindow(offsets, total - viewport, viewport, 900);
    expect(atBottom.end).toBe(2000);
    expect(atBottom.end - atBottom.start).toBeLessThan(40);
    expect(atBottom.padTop + (offsets[atBottom.end]! - offsets[atBottom.start]!) + atBottom.padBottom).toBe(total);

    const middle = computeWindow(offsets, total / 2, viewport, 900);
    expect(middle.start).toBeGreaterThan(0);
    expect(middle.end).toBeLessThan(2000);
    expect(middle.end - middle.start).toBeLessThan(40);
    // Every pixel of the viewport plus overscan is covered by a rendered row.
    expect(offsets[middle.start]!).toBeLessThanOrEqual(total / 2 - 900);
    expect(offsets[middle.end]!).toBeGreaterThanOrEqual(total / 2 + viewport + 900);

    const top = computeWindow(offsets, 0, viewport, 900);
    expect(top).toMatchObject({ start: 0, padTop: 0 });
  });

  it('finds the row at any y with a binary search, clamped at both ends', () => {
    const { offsets } = transcript(1, 10);
    expect(rowAt(offsets, -5)).toBe(0);
    expect(rowAt(offsets, 0)).toBe(0);
    expect(rowAt(offsets, offsets[3]!)).toBe(3);
    expect(rowAt(offsets, offsets[3]! - 0.5)).toBe(2);
    expect(rowAt(offsets, 1e9)).toBe(9);
  });

  it('keeps the row under the reader in place when an older page is added above it', () => {
    const before = transcript(1951, 2000);
    const scrollTop = 300;
    const anchor = anchorAt(before.offsets, before.keys, scrollTop)!;
    const onScreen = before.offsets[before.keys.indexOf(anchor.key)]! - scrollTop;

    const after = transcript(1901, 2000); // the previous page of 50 arrived
    const next = scrollTopFor(after.offsets, after.keys, anchor)!;
    expect(after.offsets[after.keys.indexOf(anchor.key)]! - next).toBe(onScreen);
    expect(next).toBeGreaterThan(scrollTop);
  });

  it('keeps the reader in place when estimated heights above are replaced by measured ones', () => {
    const keys = ['a', 'b', 'c', 'd'];
    const estimated = layoutOffsets(4, () => 50);
    const anchor = anchorAt(estimated, keys, 160)!; // 10 px into "d"
    expect(anchor).toEqual({ key: 'd', delta: 10 });
    const measured = layoutOffsets(4, (i) => [80, 50, 120, 50][i]!);
    expect(scrollTopFor(measured, keys, anchor)).toBe(260);
    expect(scrollTopFor(measured, ['x'], anchor)).toBeNull();
  });

  it('follows the bottom only when the reader is there', () => {
    expect(isAtBottom(1300, 2000, 700)).toBe(true);
    expect(isAtBottom(1260, 2000, 700)).toBe(true); // within the slack of a rounding scroll
    expect(isAtBottom(1000, 2000, 700)).toBe(false);
  });

  it('estimates taller rows for longer text, so the scrollbar is close before anything is measured', () => {
    expect(estimateHeight('agent', 2000, 300)).toBeGreaterThan(estimateHeight('agent', 20, 300));
    expect(estimateHeight('tool', 2000, 300)).toBe(estimateHeight('tool', 5, 300));
  });

  it('keeps row identities across rebuilds so only changed rows re-render', () => {
    const m1 = agentMessage('S1', 1);
    const m2 = userMessage('S1', 'c1', 'hi', 2, 'delivered');
    const first = buildRows([m1, m2], []);
    const again = buildRows([m1, m2], [], new Map(first.map((r) => [r.key, r])));
    expect(again[0]).toBe(first[0]);
    expect(again[1]).toBe(first[1]);
    const answered = { ...m2, state: 'answered' as const, updatedAt: 99 };
    const third = buildRows([m1, answered], [], new Map(again.map((r) => [r.key, r])));
    expect(third[0]).toBe(first[0]);
    expect(third[1]).not.toBe(first[1]);
    expect(third[1]!.kind === 'message' && third[1]!.entry?.state).toBe('answered');
  });
});

/** Fixed seed: a failure replays the same way (fast-check prints the counterexample). */
const PROPS = { seed: 20_261_124, numRuns: 300 };
const heights = fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 300 });
const offsetsOf = (hs: readonly number[]) => layoutOffsets(hs.length, (i) => hs[i]!);

describe('transcript window, for any row heights and scroll position', () => {
  it('renders every row that meets the viewport or its overscan, and stops at the first row beyond each edge', () => {
    fc.assert(
      fc.property(heights, fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 1200 }), fc.integer({ min: 0, max: 1000 }), (hs, at, viewport, overscan) => {
        const offsets = offsetsOf(hs);
        const count = hs.length;
        const total = offsets[count]!;
        const scrollTop = at * total;
        const w = computeWindow(offsets, scrollTop, viewport, overscan);
        const top = Math.max(0, scrollTop - overscan);
        const bottom = scrollTop + viewport + overscan;
        expect(0 <= w.start && w.start < w.end && w.end <= count).toBe(true);
        // The spacers stand in for exactly the rows not rendered, so the scroll height is the layout's.
        expect(w.padTop).toBe(offsets[w.start]);
        expect(w.padBottom).toBe(total - offsets[w.end]!);
        expect(w.total).toBe(total);
        // Covered: the rendered rows reach from above the top edge to below the bottom edge (or the last row).
        expect(offsets[w.start]!).toBeLessThanOrEqual(top);
        expect(offsets[w.end]!).toBeGreaterThanOrEqual(Math.min(total, bottom));
        // Tight: the first rendered row reaches past the top edge, the last one starts above the bottom edge.
        expect(w.start === count - 1 || offsets[w.start + 1]! > top).toBe(true);
        expect(offsets[w.end - 1]!).toBeLessThanOrEqual(Math.max(top, bottom));
      }),
      PROPS,
    );
  });

  it('an anchor read at any position scrolls back to exactly that position', () => {
    fc.assert(
      fc.property(heights, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (hs, at) => {
        const offsets = offsetsOf(hs);
        const keys = hs.map((_, i) => `m${i}`);
        const scrollTop = Math.floor(at * offsets[hs.length]!);
        expect(scrollTopFor(offsets, keys, anchorAt(offsets, keys, scrollTop)!)).toBe(scrollTop);
      }),
      PROPS,
    );
  });

  it('keeps the row under the reader where it is on screen when older rows arrive above and rows above are re-measured', () => {
    fc.assert(
      fc.property(heights, heights, fc.array(fc.integer({ min: 0, max: 400 })), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (loaded, older, remeasured, at) => {
        const keys = loaded.map((_, i) => `m${1000 + i}`);
        const before = offsetsOf(loaded);
        const scrollTop = Math.floor(at * before[loaded.length]!);
        const anchor = anchorAt(before, keys, scrollTop)!;
        const i = keys.indexOf(anchor.key);
        const onScreen = before[i]! - scrollTop;

        // The previous page arrives above, and the rows above the anchor get their measured heights.
        const measured = loaded.map((h, j) => (j < i && j < remeasured.length ? remeasured[j]! : h));
        const afterKeys = [...older.map((_, j) => `m${j}`), ...keys];
        const after = offsetsOf([...older, ...measured]);
        const next = scrollTopFor(after, afterKeys, anchor)!;
        expect(after[afterKeys.indexOf(anchor.key)]! - next).toBe(onScreen);
      }),
      PROPS,
    );
  });
});

describe('transcript rows', () => {
  const item = (clientId: string, over: Partial<OutboxItem> = {}): OutboxItem => ({
    clientId, sessionId: 'S1', text: `text of ${clientId}`, state: 'queued', failure: null, order: 1, attempts: 0, wait: null, messageId: null, createdAt: 1, updatedAt: 1, ...over,
  });

  it('shows outbox items the server has not echoed after the transcript, and an echoed one only once, in its place', () => {
    const echoed = userMessage('S1', 'c1', 'text of c1', 2, 'delivered');
    const rows = buildRows([agentMessage('S1', 1), echoed, agentMessage('S1', 3)], [item('c2'), item('c1', { state: 'sending' })]);
    expect(rows.map((r) => r.key)).toEqual(['S1-1', echoed.id, 'S1-3', 'out:c2']);
    // The server's state wins over the outbox's; the outbox item is kept for its actions.
    const mine = rows[1]!;
    expect(mine.kind === 'message' && mine.entry).toMatchObject({ state: 'delivered', item: { clientId: 'c1' } });
    expect(rows[3]).toMatchObject({ kind: 'pending', entry: { state: 'queued', text: 'text of c2' } });
  });

  // Regression: the session view once passed records from a store that reconciles updates into the old
  // objects; a failed resume stayed "resuming" on screen because the row was reused by identity.
  it('rebuilds a row whose message was updated in place', () => {
    const m = { ...userMessage('S1', 'c1', 'are you there?', 4, 'awaiting-resume') };
    const outbox = [item('c1', { state: 'resuming' })];
    const shown = buildRows([m], outbox);
    expect(shown[0]!.entry?.state).toBe('resuming');
    Object.assign(m, { state: 'failed', failure: { code: 'vendor-not-found', detail: 'gone' }, updatedAt: 99 }); // same object
    const next = buildRows([m], outbox, new Map(shown.map((r) => [r.key, r])));
    expect(next[0]).not.toBe(shown[0]);
    expect(next[0]!.entry).toMatchObject({ state: 'failed', failure: { code: 'vendor-not-found' } });
  });

  it('rebuilds a pending row when its outbox item changes, and keeps it while it does not', () => {
    const queued = item('c9');
    const first = buildRows([], [queued]);
    expect(buildRows([], [queued], new Map(first.map((r) => [r.key, r])))[0]).toBe(first[0]);
    const failed = buildRows([], [{ ...queued, state: 'failed', updatedAt: 2 }], new Map(first.map((r) => [r.key, r])));
    expect(failed[0]).not.toBe(first[0]);
    expect(failed[0]!.entry?.state).toBe('failed');
  });
});
