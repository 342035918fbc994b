// The sessions' deadlines as real timers: armed after the step that set them committed, fired into a new step.
import type { SessionTimer } from '../../core/index.ts';

export interface SessionTimers {
  /** Arms `timer` for `at` (replacing the one armed for the same thing), or cancels it (null). */
  set(timer: SessionTimer, at: number | null): void;
  stop(): void;
}

/** setTimeout overflows past ~24.8 days: a later deadline fires early, and the step arms it again. */
const MAX_DELAY = 2 ** 31 - 1;

export function createSessionTimers(now: () => number, fire: (timer: SessionTimer) => void): SessionTimers {
  const armed = new Map<string, NodeJS.Timeout>();
  const keyOf = (t: SessionTimer) => (t.kind === 'resume-deadline' ? `${t.kind}:${t.attemptId}` : `${t.kind}:${t.messageId}`);
  return {
    set(t, at) {
      const key = keyOf(t);
      clearTimeout(armed.get(key));
      armed.delete(key);
      if (at === null) return;
      const timer = setTimeout(() => {
        armed.delete(key);
        fire(t);
      }, Math.min(Math.max(0, at - now()), MAX_DELAY));
      timer.unref();
      armed.set(key, timer);
    },
    stop() {
      for (const t of armed.values()) clearTimeout(t);
      armed.clear();
    },
  };
}
