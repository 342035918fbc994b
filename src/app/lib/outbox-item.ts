// One message waiting on the phone to reach its session, and the states the user sees for it.
import { assertNever } from '../../core/availability.ts';
import { HOLD_LIMIT_MS } from '../../core/backoff.ts';
import type { DeliveryState } from '../../core/delivery.ts';
import type { MessageRecord } from '../../core/records.ts';

/**
 * What the phone shows for a message it sent. `queued` is phone-only (not yet accepted by the
 * server); the others mirror the server's delivery state.
 */
export const OutboxState = {
  /** Stored on the phone; not yet taken by the server. `wait` says what it waits for, if a try failed. */
  queued: 'queued',
  /** Held by the server for its offline machine (until `heldUntil`); sent through the strict resume when it reconnects. */
  waiting: 'waiting',
  /** Sent, or accepted by the server and on its way to the live agent. */
  sending: 'sending',
  /** Accepted; waits for a strict resume of its session. */
  resuming: 'resuming',
  /** Written to the agent of the same vendor session. */
  delivered: 'delivered',
  /** The agent's turn that took it has ended. */
  answered: 'answered',
  /** Written to the agent, whose turn ended without answering; `failure` says why. Same actions as failed. */
  unanswered: 'unanswered',
  /** Not delivered; `failure` says why. The text is kept for retry, edit, or a new session. */
  failed: 'failed',
} as const;
export type OutboxState = (typeof OutboxState)[keyof typeof OutboxState];

/** What a queued message waits for after a try that did not reach a final answer. */
export type OutboxWait =
  /** No answer at all: the phone is offline, or the server cannot be reached (connection refused, DNS). */
  | { readonly kind: 'network'; readonly since: number }
  /** The server answered with a transient error (5xx, 408). */
  | { readonly kind: 'server'; readonly since: number; readonly status: number }
  /** This phone sent too fast (429). */
  | { readonly kind: 'rate-limited'; readonly since: number }
  /** Refused as `machine-offline` by a server that holds no messages: retried when the machine is seen online. */
  | { readonly kind: 'machine'; readonly since: number; readonly machine: string | null; readonly lastSeenAt: number | null };

export interface OutboxItem {
  /** The idempotency key: the same key is reused on every re-send of the same send. */
  readonly clientId: string;
  readonly sessionId: string;
  readonly text: string;
  readonly state: OutboxState;
  /** Why it failed (a block reason or a delivery failure code) and the sentence to show. */
  readonly failure: { readonly code: string; readonly detail: string } | null;
  /** Monotonic position: the flush order. */
  readonly order: number;
  /** How many times it was handed to fetch; > 0 means the server may already hold it. */
  readonly attempts: number;
  /** While queued after a failed try: what it waits for (the screen phrases it, with live times). */
  readonly wait?: OutboxWait | null;
  /** While `waiting`: when the server stops holding it. */
  readonly heldUntil?: number | null;
  /** The server's seq for it, once known (to look its state up after the phone was away). */
  readonly seq?: number | null;
  /** The server's id for it once the server answered; until then a re-send uses the same client id. */
  readonly messageId: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** How long the phone keeps trying before a message is "not delivered" (its text kept). */
export const expiresAt = (i: OutboxItem) => i.createdAt + HOLD_LIMIT_MS;

export function stateFromDelivery(state: DeliveryState): OutboxState {
  switch (state) {
    case 'held':
      return 'waiting';
    case 'accepted':
      return 'sending';
    case 'awaiting-resume':
      return 'resuming';
    case 'delivered':
      return 'delivered';
    case 'answered':
      return 'answered';
    case 'unanswered':
      return 'unanswered';
    case 'failed':
      return 'failed';
    default:
      return assertNever(state);
  }
}

/** The server's word on a message, as the outbox item shows it. */
export function applyMessage(item: OutboxItem, message: MessageRecord, now: number): OutboxItem {
  if (message.state === null) return item;
  const state = stateFromDelivery(message.state);
  const failure = message.failure ? { code: message.failure.code, detail: message.failure.detail } : null;
  return { ...item, state, failure: endedUnanswered(state) ? failure : null, wait: null, heldUntil: message.heldUntil ?? null, seq: message.seq, updatedAt: now };
}

/** Final without an answer: the text is kept and the user chooses (retry, edit, discard, new session). */
export function endedUnanswered(state: OutboxState): boolean {
  return state === 'failed' || state === 'unanswered';
}
