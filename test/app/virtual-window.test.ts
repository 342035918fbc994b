// @vitest-environment node
// Windowing a long transcript: few rows rendered, the reader's place kept when older pages load, the bottom followed.
import { describe, expect, it } from 'vitest';
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
