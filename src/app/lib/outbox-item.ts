// One message waiting on the phone to reach its session, and the states the user sees for it.
import type { DeliveryState } from '../../core/delivery.ts';
import type { MessageRecord } from '../../core/records.ts';

/**
 * What the phone shows for a message it sent. `queued` is phone-only (not yet accepted by the
 * server); the others mirror the server's delivery state.
 */
export const OutboxState = {
  /** Stored on the phone; waits for the network (or for a transient server error to pass). */
  queued: 'queued',
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
  /** The last transient problem (e.g. "no network"), shown while still queued. */
  readonly lastError: string | null;
  /** The server's id for it once the server answered; until then a re-send uses the same client id. */
  readonly messageId: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export function stateFromDelivery(state: DeliveryState): OutboxState {
  switch (state) {
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
  }
}

/** The server's word on a message, as the outbox item shows it. */
export function applyMessage(item: OutboxItem, message: MessageRecord, now: number): OutboxItem {
  if (message.state === null) return item;
  const state = stateFromDelivery(message.state);
  const failure = message.failure ? { code: message.failure.code, detail: message.failure.detail } : null;
  return { ...item, state, failure: endedUnanswered(state) ? failure : null, lastError: null, updatedAt: now };
}

/** Final without an answer: the text is kept and the user chooses (retry, edit, discard, new session). */
export function endedUnanswered(state: OutboxState): boolean {
  return state === 'failed' || state === 'unanswered';
}
