// One pending retry at a time on the shared backoff schedule: the outbox's clock while the server is out of reach.
import { backoffDelay } from '../../core/backoff.ts';

export interface RetryTimer {
  /** A try failed: the next one runs after the next backoff step (replacing any pending one). */
  failed(): void;
  /** A try got through, or nothing is left to retry: no timer, and the next failure starts from the first step. */
  reset(): void;
  /** Whether a retry is scheduled. */
  readonly pending: boolean;
  /** When the scheduled retry runs (ms since the epoch), or null. */
  readonly nextAt: number | null;
  stop(): void;
}

export interface RetryTimerOptions {
  readonly delay?: (attempt: number) => number;
  readonly now?: () => number;
  readonly setTimeout?: (fn: () => void, ms: number) => unknown;
  readonly clearTimeout?: (handle: unknown) => void;
}

export function createRetryTimer(run: () => void, opts: RetryTimerOptions = {}): RetryTimer {
  const delay = opts.delay ?? ((n: number) => backoffDelay(n));
  const now = opts.now ?? Date.now;
  const set = opts.setTimeout ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
  const clear = opts.clearTimeout ?? ((h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>));
  let attempt = 0;
  let handle: unknown = null;
  let nextAt: number | null = null;
  let stopped = false;
  const cancel = () => {
    if (handle !== null) clear(handle);
    handle = null;
    nextAt = null;
  };
  return {
    failed() {
      if (stopped) return;
      cancel();
      const ms = delay(attempt++);
      nextAt = now() + ms;
      handle = set(() => {
        handle = null;
        nextAt = null;
        run();
      }, ms);
    },
    reset() {
      cancel();
      attempt = 0;
    },
    get pending() {
      return handle !== null;
    },
    get nextAt() {
      return nextAt;
    },
    stop() {
      stopped = true;
      cancel();
    },
  };
}
