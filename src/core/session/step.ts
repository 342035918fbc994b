// A session's life as data and its one transition: the lifecycle states (derived from its facts), the moves each
// event may make, and step(snapshot, event) → the next snapshot, what changed, and the effects. Pure: the same
// snapshot and event always give the same result; the input is never changed.
import { assertNever } from '../availability.ts';
import { diffSnapshots, draftOf, log, snapshotOf, timer, type Draft, type SessionChanges } from './draft.ts';
import type { Refusal, SessionEffect } from './effects.ts';
import type { SessionEvent, SessionEventType, TimerEvent } from './events.ts';
import {
  onAck, onAgentEvent, onDeliverFailed, onDisconnect, onHello, onResumable, onResumeResult, onStarted, onStartFailed, onStopped,
} from './on-machine.ts';
import {
  onAnswerPermission, onArchive, onCancelHeld, onInterrupt, onRename, onSetPermissionMode, onStop, onTakeOver, onUnarchive,
} from './on-phone.ts';
import { endHeld, endHeldIfBlocked, failAttempt, holdExpiry, onSend } from './messages.ts';
import type { SessionSnapshot, SnapshotWants } from './snapshot.ts';

// ── the lifecycle ──
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

// ── the step ──

export interface StepResult {
  readonly snapshot: SessionSnapshot;
  /** What to store: the difference between the snapshots (nothing when refused). */
  readonly changes: SessionChanges;
  /** In order; none when refused. */
  readonly effects: readonly SessionEffect[];
  /** Set when a phone's action was refused (then nothing changed). */
  readonly refusal: Refusal | null;
}

export function step(snapshot: SessionSnapshot, event: SessionEvent): StepResult {
  const d = draftOf(snapshot);
  apply(d, event);
  if (d.refusal) return { snapshot, changes: diffSnapshots(snapshot, snapshot, false), effects: [], refusal: d.refusal };
  const next = snapshotOf(d);
  const from = lifecycleOf(snapshot);
  const to = lifecycleOf(next);
  // The table is the contract (LIFECYCLE_MOVES below): a move it does not list is a bug worth a line in the log.
  if (!isLifecycleMove(event.type, from, to)) log(d, `unexpected lifecycle move of ${snapshot.session.id}: ${from} → ${to} on ${event.type}`);
  return { snapshot: next, changes: diffSnapshots(snapshot, next, d.touched), effects: d.effects, refusal: null };
}

function apply(d: Draft, e: SessionEvent): void {
  switch (e.type) {
    case 'started': return onStarted(d, e);
    case 'start-failed': return onStartFailed(d, e);
    case 'resumable': return onResumable(d, e);
    case 'resume-result': return onResumeResult(d, e);
    case 'ack': return onAck(d, e);
    case 'deliver-failed': return onDeliverFailed(d, e);
    case 'agent-event': return onAgentEvent(d, e);
    case 'stopped': return onStopped(d, e);
    case 'hello': return onHello(d, e);
    case 'disconnect': return onDisconnect(d);
    case 'send': return onSend(d, e);
    case 'stop': return onStop(d);
    case 'archive': return onArchive(d);
    case 'unarchive': return onUnarchive(d);
    case 'interrupt': return onInterrupt(d);
    case 'answer-permission': return onAnswerPermission(d, e);
    case 'take-over': return onTakeOver(d);
    case 'cancel-held': return onCancelHeld(d, e);
    case 'rename': return onRename(d, e);
    case 'set-permission-mode': return onSetPermissionMode(d, e);
    case 'resume-deadline':
    case 'hold-expired':
    case 'recheck':
      return onTimer(d, e);
    default:
      return assertNever(e);
  }
}

function onTimer(d: Draft, e: TimerEvent): void {
  switch (e.type) {
    case 'resume-deadline': {
      const a = d.attempts.get(e.attemptId);
      if (a?.state === 'pending') failAttempt(d, a, 'timeout', `no answer from the machine within ${Math.round(d.world.resumeTimeoutMs / 1000)} s`);
      return;
    }
    case 'hold-expired': {
      const m = d.messages.get(e.messageId);
      if (m?.state !== 'held') return;
      // Fired early (a long hold is armed in pieces, or the clock moved): wait on.
      if (m.heldUntil !== null && m.heldUntil > d.world.now) return timer(d, holdExpiry(d, m.id), m.heldUntil);
      const machine = d.world.machine;
      return endHeld(d, m.id, 'hold-expired', `${machine ? `“${machine.name}”` : 'its machine'} did not reconnect in ${hours(d.world.holdMs)}`);
    }
    case 'recheck':
      return endHeldIfBlocked(d);
    default:
      return assertNever(e);
  }
}

function hours(ms: number): string {
  if (ms < 2 * 60 * 60_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / (60 * 60_000))} h`;
}

/** What a snapshot must hold for this event, beyond the open messages and the pending attempt. */
export function wantsOf(e: SessionEvent): SnapshotWants {
  switch (e.type) {
    case 'ack':
    case 'deliver-failed':
    case 'cancel-held':
    case 'hold-expired':
      return { messageId: e.messageId };
    case 'resume-result':
    case 'resume-deadline':
      return { attemptId: e.attemptId };
    case 'answer-permission':
      return { permissionId: e.permissionId };
    // The agent may be gone: what it asked expires.
    case 'stopped':
      return { openPermissions: true };
    case 'hello':
      return e.report?.running === true ? {} : { openPermissions: true };
    case 'agent-event':
      return e.event.kind === 'turn-end' ? { openPermissions: true } : {};
    case 'started': case 'start-failed': case 'resumable': case 'disconnect':
    case 'send': case 'stop': case 'archive': case 'unarchive': case 'interrupt': case 'take-over': case 'rename': case 'set-permission-mode': case 'recheck':
      return {};
    default:
      return assertNever(e);
  }
}
