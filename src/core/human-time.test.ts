import { describe, expect, it } from 'vitest';
import { formatTime, formatUntil } from './human-time.ts';

const at = (h: number, m: number, day = 1) => new Date(2026, 11, day, h, m).getTime();

describe('human time', () => {
  it('phrases a past time relative first, then as a local clock time — never ISO', () => {
    const now = at(10, 0);
    expect(formatTime(now - 10_000, now)).toBe('just now');
    expect(formatTime(now - 2 * 60_000, now)).toBe('2 min ago');
    expect(formatTime(at(7, 5), now)).toBe('07:05');
    expect(formatTime(at(23, 59, 0), now)).toBe('30 Nov 23:59');
  });

  it('phrases a deadline the same way', () => {
    const now = at(10, 0);
    expect(formatUntil(now - 1, now)).toBe('now');
    expect(formatUntil(now + 30_000, now)).toBe('in under a minute');
    expect(formatUntil(now + 4 * 60_000 + 1, now)).toBe('in 5 min');
    expect(formatUntil(at(18, 30), now)).toBe('at 18:30');
    expect(formatUntil(at(9, 30, 2), now)).toBe('tomorrow at 09:30');
    expect(formatUntil(at(9, 30, 5), now)).toBe('on 5 Dec at 09:30');
  });

  it('contains no ISO timestamp in any phrasing', () => {
    const now = at(10, 0);
    for (const t of [now - 1e9, now - 1e6, now + 1e6, now + 1e9]) {
      expect(formatTime(t, now) + formatUntil(t, now)).not.toMatch(/\d{4}-\d\d-\d\dT/);
    }
  });
});
