// A session's life as data: its states (derived from its facts, first match wins) and the moves each event may make.
import type { SessionEventType } from './events.ts';
import type { SessionSnapshot } from './snapshot.ts';

export const Lifecycle = {
  /** Archived: never resumed until unarchived; an agent still running for it is being stopped. */
  archived: 'archived',
  /** A strict resume is in flight; messages sent now wait for it (awaiting-resume). */
  resuming: 'resuming',
  /** An agent runs for it on its machine: messages go straight in. */
  live: 'live',
  /** Created; its machine has not answered the `start` yet. Messages wait, accepted, and go out once it started. */
  starting: 'starting',
  /** Nothing runs: a message reopens the same vendor session first, unless something blocks it. */
  inactive: 'inactive',
} as const;
export type Lifecycle = (typeof Lifecycle)[keyof typeof Lifecycle];
export const LIFECYCLES = Object.values(Lifecycle);

/**
 * The state the facts say, in the order above: an archive wins over everything, a pending attempt over a live
 * agent (a reconnect may report the agent running while its resume is still unanswered: messages stay in order
 * behind the resume), a running agent over an unanswered start (its `started` is still on its way).
 */
export function lifecycleOf(s: Pick<SessionSnapshot, 'session' | 'attempts'>): Lifecycle {
  if (s.session.archived) return 'archived';
  if (s.attempts.some((a) => a.state === 'pending')) return 'resuming';
  if (s.session.status === 'active') return 'live';
  if (s.session.startRequestId !== null) return 'starting';
  return 'inactive';
}

type Move = readonly [from: Lifecycle, to: Lifecycle];

/**
 * Every lifecycle move each event may make (staying put is always allowed). `step` checks each step against this
 * table and logs a move it does not list; the table tests run every (state, event) pair against it.
 */
export const LIFECYCLE_MOVES: Readonly<Record<SessionEventType, readonly Move[]>> = {
  // A late `started` (after its machine dropped) makes the fresh session live: a new session forks nothing.
  started: [['starting', 'live'], ['inactive', 'live']],
  'start-failed': [['starting', 'inactive']],
  resumable: [],
  // A pending attempt settles; a late success (after a timeout) makes an inactive session live.
  'resume-result': [['resuming', 'live'], ['resuming', 'inactive'], ['inactive', 'live']],
  ack: [],
  'deliver-failed': [],
  'agent-event': [],
  stopped: [['live', 'inactive'], ['live', 'starting']],
  // Reconciled with what the machine runs, then its held messages go out (which may begin a resume).
  hello: [['inactive', 'live'], ['starting', 'live'], ['live', 'inactive'], ['live', 'starting'], ['inactive', 'resuming'], ['live', 'resuming']],
  disconnect: [['resuming', 'inactive'], ['resuming', 'live'], ['starting', 'inactive']],
  send: [['inactive', 'resuming']],
  stop: [['resuming', 'inactive']],
  archive: [['inactive', 'archived'], ['live', 'archived'], ['starting', 'archived'], ['resuming', 'archived']],
  unarchive: [['archived', 'inactive'], ['archived', 'live'], ['archived', 'starting']],
  interrupt: [],
  'answer-permission': [],
  'take-over': [],
  'cancel-held': [],
  rename: [],
  'set-permission-mode': [],
  'resume-deadline': [['resuming', 'inactive'], ['resuming', 'live']],
  'hold-expired': [],
  recheck: [],
};

/** Every event type (the table above has a row for each, checked by the compiler). */
export const SESSION_EVENT_TYPES = Object.keys(LIFECYCLE_MOVES) as readonly SessionEventType[];

export function isLifecycleMove(event: SessionEventType, from: Lifecycle, to: Lifecycle): boolean {
  return from === to || LIFECYCLE_MOVES[event].some(([a, b]) => a === from && b === to);
}
