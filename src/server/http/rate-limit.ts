// Rate limiters with bounded memory: fixed-window failure counters (pairing) and token buckets (sends, share reads).
import { BatonError } from '../../core/index.ts';

/** A 429 that tells the client when to come back (the error handler turns it into `Retry-After`). */
export class RateLimitedError extends BatonError {
  constructor(message: string, readonly retryAfterSeconds: number) {
    super('rate-limited', message);
  }
}

/** How many keys a limiter remembers; past that the least recently used one is forgotten. */
export const DEFAULT_MAX_KEYS = 10_000;

/** A Map that forgets its least recently used entry beyond `maxKeys`, so a flood of new keys costs bounded memory. */
class LruMap<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly maxKeys: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    while (this.map.size > this.maxKeys) this.map.delete(this.map.keys().next().value!);
  }
  get size(): number {
    return this.map.size;
  }
}

export interface FailureLimiter {
  /** Milliseconds until `key` may try again; 0 while it may. */
  waitMs(key: string): number;
  fail(key: string): void;
  /** Forgets `key`'s failures (its window starts again). */
  reset(key: string): void;
  /** Failures allowed per window. */
  readonly max: number;
  /** Keys held right now (tests assert the bound). */
  readonly size: number;
}

/** At most `maxFailures` failures per key in each fixed window of `windowMs` (Infinity: until `reset`). */
export function createFailureLimiter(maxFailures: number, windowMs: number, now: () => number, maxKeys = DEFAULT_MAX_KEYS): FailureLimiter {
  const windows = new LruMap<{ start: number; count: number }>(maxKeys);
  const get = (key: string) => {
    const t = now();
    let w = windows.get(key);
    if (!w || t - w.start >= windowMs) {
      w = { start: t, count: 0 };
      windows.set(key, w);
    }
    return w;
  };
  return {
    waitMs(key) {
      const w = get(key);
      return w.count < maxFailures ? 0 : Math.max(1, w.start + windowMs - now());
    },
    fail: (key) => void get(key).count++,
    reset: (key) => windows.set(key, { start: now(), count: 0 }),
    max: maxFailures,
    get size() {
      return windows.size;
    },
  };
}

export interface TokenBucket {
  /** Takes one token for `key`: 0 when granted, else the milliseconds until one is available. */
  take(key: string): number;
  readonly size: number;
}

/** Bursts of up to `capacity`, then `perSecond` sustained, per key. */
export function createTokenBucket(capacity: number, perSecond: number, now: () => number, maxKeys = DEFAULT_MAX_KEYS): TokenBucket {
  const buckets = new LruMap<{ tokens: number; at: number }>(maxKeys);
  return {
    take(key) {
      const t = now();
      const b = buckets.get(key) ?? { tokens: capacity, at: t };
      b.tokens = Math.min(capacity, b.tokens + (Math.max(0, t - b.at) / 1000) * perSecond);
      b.at = t;
      buckets.set(key, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.ceil(((1 - b.tokens) / perSecond) * 1000);
    },
    get size() {
      return buckets.size;
    },
  };
}

/** Throws a 429 when `waitMs` is positive. */
export function refuseIfLimited(waitMs: number, message: string): void {
  if (waitMs > 0) throw new RateLimitedError(message, Math.max(1, Math.ceil(waitMs / 1000)));
}
