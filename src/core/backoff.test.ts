import { describe, expect, it } from 'vitest';
import { backoffDelay, RETRY_POLICY } from './backoff.ts';

describe('backoff', () => {
  it('doubles from the base up to the cap, with half of each step random', () => {
    const low = [0, 1, 2, 3, 4, 5, 6, 10].map((n) => backoffDelay(n, () => 0));
    const high = [0, 1, 2, 3, 4, 5, 6, 10].map((n) => backoffDelay(n, () => 1));
    expect(low).toEqual([500, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000, 15_000]);
    expect(high).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('never retries at once, and never more than 4 times a minute once capped', () => {
    for (let n = 0; n < 40; n++) expect(backoffDelay(n, () => 0)).toBeGreaterThanOrEqual(RETRY_POLICY.baseMs / 2);
    expect(60_000 / backoffDelay(20, () => 0)).toBeLessThanOrEqual(4);
  });

  it('stays finite for absurd attempt counts', () => {
    expect(backoffDelay(1e9, () => 0.5)).toBe(22_500);
    expect(backoffDelay(-3, () => 0)).toBe(500);
  });
});
