// Capped exponential backoff with jitter, so many daemons do not reconnect in lockstep after a server restart.
export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
}

/** Delay before reconnect attempt `attempt` (0-based): between half and all of min(max, base·2^attempt). */
export function backoffDelay(attempt: number, { baseMs, maxMs }: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
