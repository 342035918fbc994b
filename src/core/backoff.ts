// The one retry schedule: capped exponential backoff with jitter, shared by the events socket, the outbox and Background Sync.

export interface BackoffPolicy {
  /** The first retry waits about this long. */
  readonly baseMs: number;
  /** No retry waits longer than this: while a server is unreachable, a phone asks at most a few times a minute. */
  readonly capMs: number;
}

/** 1 s, 2 s, 4 s … 30 s, each with jitter: 2–4 tries a minute once capped. */
export const RETRY_POLICY: BackoffPolicy = { baseMs: 1_000, capMs: 30_000 };

/**
 * How long to wait before retry number `attempt` (0 for the first retry). "Equal jitter": half of the
 * ceiling is fixed and half random, so a retry never fires at once (no burst after a failure) and phones
 * that lost the same server do not come back in step.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random, policy: BackoffPolicy = RETRY_POLICY): number {
  const n = Math.max(0, Math.min(attempt, 30));
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** n);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** How long a message may wait for what it needs (the network, the server, its machine) before it is not delivered. */
export const HOLD_LIMIT_MS = 24 * 60 * 60_000;
