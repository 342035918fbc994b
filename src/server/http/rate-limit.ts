// A fixed-window counter of failures per key, bounding how fast anyone can guess pairing codes.
export interface FailureLimiter {
  /** Throws-free check: true while `key` may still try. */
  allowed(key: string): boolean;
  fail(key: string): void;
}

export function createFailureLimiter(maxFailures: number, windowMs: number, now: () => number): FailureLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  const get = (key: string) => {
    const t = now();
    let w = windows.get(key);
    if (!w || t - w.start >= windowMs) {
      w = { start: t, count: 0 };
      windows.set(key, w);
      if (windows.size > 10_000) windows.clear(); // bounded memory; a flood resets windows, never unblocks the global key for long
    }
    return w;
  };
  return {
    allowed: (key) => get(key).count < maxFailures,
    fail: (key) => void get(key).count++,
  };
}
