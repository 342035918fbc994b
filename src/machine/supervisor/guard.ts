// A driver call with a deadline: the supervisor never waits forever on a vendor, and an agent that comes up after
// we gave up on it is stopped (never left running unwatched).
import type { AgentHandle } from '../providers/backend.ts';

/** How a guarded driver call ended: its value, the guard's deadline, or an exception (a driver bug, a spawn that threw). */
export type Settled<T> = { done: true; value: T } | { done: false; threw: null } | { done: false; threw: string };

export type Guard = <T>(call: () => Promise<T>, onLate: (v: T) => void) => Promise<Settled<T>>;

export function createGuard(guardMs: number): Guard {
  return async function guarded<T>(call: () => Promise<T>, onLate: (v: T) => void): Promise<Settled<T>> {
    let p: Promise<T>;
    try {
      p = call();
    } catch (e) {
      // A driver that throws before it returns a promise (e.g. spawn refusing its arguments) still gets an answer.
      p = Promise.reject(e);
    }
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const timeout = new Promise<Settled<T>>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        resolve({ done: false, threw: null });
      }, guardMs);
    });
    const result = await Promise.race([
      p.then((value): Settled<T> => ({ done: true, value }), (e: unknown): Settled<T> => ({ done: false, threw: e instanceof Error ? e.message : String(e) })),
      timeout,
    ]);
    clearTimeout(timer);
    if (timedOut) void p.then(onLate, () => {});
    return result;
  };
}

/** What to do with a start or resume that succeeded after the guard gave up: stop it. */
export const stopLate = (o: { ok: boolean; handle?: AgentHandle }): void => {
  if (o.ok && o.handle) void o.handle.stop();
};
