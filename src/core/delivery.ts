// The life of one user message on the server, as data: states, events, and the pure transition.
import { TURN_FAILURE_CODES, type TurnFailureCode } from './turn.ts';

export const DeliveryState = {
  /**
   * Stored by the server while the session's machine is offline (the only obstacle): it waits, until
   * `heldUntil`, for the machine to reconnect, and then goes through the normal strict resume.
   */
  held: 'held',
  /** Stored by the server; will be written to the live agent. */
  accepted: 'accepted',
  /** Stored; waits for a strict resume of its session to succeed. */
  awaitingResume: 'awaiting-resume',
  /** The daemon acked writing it to the agent of the same vendor session. */
  delivered: 'delivered',
  /** The agent's turn that took it has ended. */
  answered: 'answered',
  /** Written to the agent, whose turn then ended without answering (interrupted, not logged in, gave up); `failure` says why. */
  unanswered: 'unanswered',
  /** Not delivered and never will be by itself; `failure` says why. The text is kept. */
  failed: 'failed',
} as const;
export type DeliveryState = (typeof DeliveryState)[keyof typeof DeliveryState];
export const DELIVERY_STATES = Object.values(DeliveryState);

/** Why a delivery failed, as a daemon may report it (machine protocol): resume failure codes plus delivery-time ones. */
export const DELIVER_FAILURE_CODES = [
  'vendor-not-found',
  'vendor-id-mismatch',
  'vendor-error',
  'dependency-missing',
  'timeout',
  'machine-disconnected',
  'agent-exited',
  'stopped',
  'session-in-use',
  ...TURN_FAILURE_CODES,
  'cwd-invalid',
  'cwd-not-allowed',
] as const;

/** Why a message was not delivered: what a daemon reports, plus the server's own reasons for ending a held message. */
export const MESSAGE_FAILURE_CODES = [
  ...DELIVER_FAILURE_CODES,
  /** Written to an agent that went away (stopped, crashed, its machine restarted) before its turn ended. */
  'turn-lost',
  /** The user called a held message off before its machine came back. */
  'cancelled',
  /** Its machine did not come back before the hold ran out. */
  'hold-expired',
  // A held message whose session became blocked for good ends with that block reason.
  'not-managed',
  'archived',
  'backend-unsupported',
  'missing-resume-id',
  'backend-disabled',
] as const;
export type MessageFailureCode = (typeof MESSAGE_FAILURE_CODES)[number];
export type DeliverFailureCode = (typeof DELIVER_FAILURE_CODES)[number];

export type DeliveryEvent =
  /** A held message's machine is back: it goes the way any new message goes (resume, deliver, wait for a start). */
  | { readonly type: 'release' }
  | { readonly type: 'await-resume' }
  | { readonly type: 'resume-succeeded' }
  | { readonly type: 'acked' }
  | { readonly type: 'turn-ended' }
  /** The turn that took it ended without an answer. */
  | { readonly type: 'turn-failed'; readonly code: TurnFailureCode }
  /** The agent it was written to went away before its turn ended (`turn-lost`). */
  | { readonly type: 'turn-lost' }
  | { readonly type: 'fail'; readonly code: MessageFailureCode };

export type Transition<S> = { readonly ok: true; readonly state: S } | { readonly ok: false; readonly error: string };

/**
 * Where each event leads from each state; a state missing from an event's row refuses it. Acks can repeat after a
 * reconnect: a repeat (or one arriving after the turn ended) changes nothing.
 */
export const DELIVERY_TRANSITIONS: Readonly<Record<DeliveryEvent['type'], Readonly<Partial<Record<DeliveryState, DeliveryState>>>>> = {
  release: { held: 'accepted' },
  'await-resume': { accepted: 'awaiting-resume' },
  'resume-succeeded': { 'awaiting-resume': 'accepted' },
  acked: { accepted: 'delivered', delivered: 'delivered', answered: 'answered', unanswered: 'unanswered' },
  'turn-ended': { delivered: 'answered', answered: 'answered' },
  'turn-failed': { delivered: 'unanswered', unanswered: 'unanswered' },
  'turn-lost': { delivered: 'unanswered', unanswered: 'unanswered' },
  fail: { held: 'failed', accepted: 'failed', 'awaiting-resume': 'failed' },
};

export function deliveryTransition(state: DeliveryState, event: DeliveryEvent): Transition<DeliveryState> {
  const to = DELIVERY_TRANSITIONS[event.type][state];
  return to === undefined ? { ok: false, error: `a message that is ${state} cannot take "${event.type}"` } : { ok: true, state: to };
}

/**
 * "A turn end answers only what this agent took." A `delivered` message waits for the turn of the agent it was
 * written to; when that agent goes away first (stopped, crashed, its machine restarted) the turn is lost: the
 * message ends `unanswered` with `turn-lost` (written once, never again; the phone offers Retry) and no later
 * agent's turn end answers it.
 */
export function awaitsTurnEnd(m: { readonly state: DeliveryState | null; readonly turnLost: boolean }): boolean {
  return m.state === 'delivered' && !m.turnLost;
}

export function isFinalDelivery(s: DeliveryState): boolean {
  return s === 'answered' || s === 'unanswered' || s === 'failed';
}

/** Whether `x` is a code a daemon may report for a failed delivery (the server's own hold codes are not). */
export function isMessageFailureCode(x: unknown): x is DeliverFailureCode {
  return typeof x === 'string' && (DELIVER_FAILURE_CODES as readonly string[]).includes(x);
}
