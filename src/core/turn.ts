// How an agent's turn can end without answering, and what a vendor's retrying looks like to the phone.

/** A turn that ended without answering the message that started it; each says what the user can do. */
export const TURN_FAILURE_CODES = [
  /** The user (or Baton, on their behalf) interrupted the turn. */
  'interrupted',
  /** The vendor CLI is not logged in on its machine (e.g. Claude "Not logged in · Please run /login"). */
  'auth-failed',
  /** The vendor retried its model call and gave up (network down, API overloaded). */
  'vendor-gave-up',
  /** The vendor ended the turn with an error of another kind. */
  'turn-failed',
] as const;
export type TurnFailureCode = (typeof TURN_FAILURE_CODES)[number];

export const TURN_FAILURE_TEXT: Readonly<Record<TurnFailureCode, { readonly sentence: string; readonly fix: string }>> = {
  interrupted: { sentence: 'The turn was interrupted before the agent answered.', fix: 'Send it again when you are ready.' },
  'auth-failed': { sentence: 'The agent is not logged in on its machine, so it could not answer.', fix: 'Log in to the agent’s CLI on that machine, then retry.' },
  'vendor-gave-up': { sentence: 'The agent could not reach its model and stopped retrying.', fix: 'Check the machine’s network or the vendor’s status, then retry.' },
  'turn-failed': { sentence: 'The agent’s turn failed before it answered.', fix: 'Retry, or start a new session with this message.' },
};

export function isTurnFailureCode(x: unknown): x is TurnFailureCode {
  return typeof x === 'string' && (TURN_FAILURE_CODES as readonly string[]).includes(x);
}

/** The vendor failed a model call and is trying again (Claude `api_retry`, Codex `willRetry`, OpenCode `retry`). */
export interface RetryNotice {
  /** 1-based attempt the vendor is about to make (or just made). */
  readonly attempt: number;
  /** The vendor's own limit, when it says one. */
  readonly maxAttempts: number | null;
  /** The vendor's reason in a few words (e.g. "overloaded", "Cannot connect to API"). */
  readonly detail: string;
  /** When the vendor said it will try next, in ms after `at`; null when it did not say. */
  readonly retryInMs: number | null;
  /** Server time the notice arrived. */
  readonly at: number;
}

/** "retrying: attempt 3 of 10 — overloaded" */
export function describeRetry(r: Pick<RetryNotice, 'attempt' | 'maxAttempts' | 'detail'>): string {
  const of = r.maxAttempts !== null ? ` of ${r.maxAttempts}` : '';
  return `retrying: attempt ${r.attempt}${of}${r.detail ? ` — ${r.detail}` : ''}`;
}
