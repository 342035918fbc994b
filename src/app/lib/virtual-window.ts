// Windowing math for long transcripts: which rows to render, spacer sizes, scroll anchoring, stick-to-bottom. Pure.

/** Prefix sums of row heights: `offsets[i]` is the top of row i, `offsets[count]` the total height. */
export function layoutOffsets(count: number, heightOf: (i: number) => number): Float64Array {
  const offsets = new Float64Array(count + 1);
  for (let i = 0; i < count; i++) offsets[i + 1] = offsets[i]! + Math.max(0, heightOf(i));
  return offsets;
}

/** The row whose box holds y (clamped to the rows that exist). Binary search: 2,000 rows cost 11 steps. */
export function rowAt(offsets: Float64Array, y: number): number {
  const count = offsets.length - 1;
  if (count <= 0) return 0;
  let lo = 0;
  let hi = count - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid]! <= y) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export interface WindowRange {
  /** First rendered row. */
  readonly start: number;
  /** One past the last rendered row. */
  readonly end: number;
  /** Height standing in for the rows above `start`. */
  readonly padTop: number;
  /** Height standing in for the rows from `end` on. */
  readonly padBottom: number;
  readonly total: number;
}

/**
 * The rows that intersect [scrollTop - overscan, scrollTop + viewport + overscan]. `scrollTop` is measured
 * from the top of the first row (the caller subtracts any padding above it).
 */
export function computeWindow(offsets: Float64Array, scrollTop: number, viewport: number, overscan: number): WindowRange {
  const count = offsets.length - 1;
  const total = offsets[count] ?? 0;
  if (count <= 0) return { start: 0, end: 0, padTop: 0, padBottom: 0, total: 0 };
  const top = Math.max(0, scrollTop - overscan);
  const bottom = Math.max(top, scrollTop + viewport + overscan);
  const start = rowAt(offsets, top);
  const end = Math.min(count, rowAt(offsets, bottom) + 1);
  return { start, end, padTop: offsets[start]!, padBottom: total - offsets[end]!, total };
}

/** What the reader is looking at: the first row visible at the top, and how far into it the view starts. */
export interface ScrollAnchor {
  readonly key: string;
  readonly delta: number;
}

export function anchorAt(offsets: Float64Array, keys: readonly string[], scrollTop: number): ScrollAnchor | null {
  if (keys.length === 0) return null;
  const i = rowAt(offsets, Math.max(0, scrollTop));
  return { key: keys[i]!, delta: scrollTop - offsets[i]! };
}

/**
 * Where to scroll so the anchored row sits where it was, after rows were added above it (older pages)
 * or rows above it changed height (estimates replaced by measurements). Null when the row is gone.
 */
export function scrollTopFor(offsets: Float64Array, keys: readonly string[], anchor: ScrollAnchor): number | null {
  const i = keys.indexOf(anchor.key);
  return i < 0 ? null : offsets[i]! + anchor.delta;
}

/** Whether the reader is at the bottom (so new messages should stay in view). */
export function isAtBottom(scrollTop: number, scrollHeight: number, clientHeight: number, slack = 48): boolean {
  return scrollHeight - scrollTop - clientHeight <= slack;
}

/**
 * A height guess for a row never rendered yet: close estimates keep the scrollbar honest and the
 * corrections (when the row is measured) small. `width` is the text column in px.
 */
export function estimateHeight(kind: 'user' | 'agent' | 'tool' | 'permission' | 'notice', textLength: number, width: number): number {
  const perLine = Math.max(12, Math.floor(width / 8.6));
  const lines = Math.max(1, Math.ceil(textLength / perLine));
  switch (kind) {
    case 'tool':
      return 38;
    case 'notice':
      return 28 + (lines - 1) * 19;
    case 'permission':
      return 170;
    case 'user':
      return 70 + (lines - 1) * 23;
    case 'agent':
      return 52 + (lines - 1) * 23;
  }
}
