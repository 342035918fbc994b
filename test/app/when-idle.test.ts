// Idle work with and without requestIdleCallback (WebKit has none): it runs, and its disposer stops it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { whenIdle } from '../../src/app/lib/when-idle.ts';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('whenIdle', () => {
  it('uses requestIdleCallback where there is one', () => {
    const ric = vi.fn((_fn: () => void, _o: { timeout: number }) => 7);
    const cic = vi.fn();
    vi.stubGlobal('requestIdleCallback', ric);
    vi.stubGlobal('cancelIdleCallback', cic);
    const fn = vi.fn();
    const stop = whenIdle(fn, 100);
    expect(ric).toHaveBeenCalledWith(fn, { timeout: 100 });
    stop();
    expect(cic).toHaveBeenCalledWith(7);
  });

  it('falls back to a timer about a frame later, and can be cancelled', () => {
    vi.stubGlobal('requestIdleCallback', undefined);
    vi.useFakeTimers();
    const ran = vi.fn();
    whenIdle(ran, 100);
    const cancelled = vi.fn();
    whenIdle(cancelled, 100)();
    vi.advanceTimersByTime(20);
    expect(ran).toHaveBeenCalledTimes(1);
    expect(cancelled).not.toHaveBeenCalled();
  });
});
