// The paths of a user message, from the phone's send on: straight to the live agent, behind a strict resume (which
// begins, then settles once, resumed or failed with its code), or held for its offline machine — a held message
// leaves `held` once only, released into the same path a new message takes, or failed (cancelled, expired, or its
// session blocked for good meanwhile). And what happens to a session's messages together: sent out, failed, left.
import { describeBlock, type BlockReason } from '../availability.ts';
import { awaitsTurnEnd, type MessageFailureCode } from '../delivery.ts';
import type { MessageId } from '../ids.ts';
import { permissionModeField } from '../permission-modes.ts';
import { RESUME_FAILURE_TEXT, type ResumeFailureCode } from '../resume-attempt.ts';
import type { PhoneAction } from './events.ts';
import type { AttemptSnap } from './snapshot.ts';
import { addAttempt, addMessage, availability, command, inState, log, moveAttempt, moveMessage, patch, pending, refuse, setMessage, timer, type Draft } from './draft.ts';

/** The strict-resume entry point: straight in, wait for a resume, held for its offline machine, or refused. */
export function onSend(d: Draft, e: Extract<PhoneAction, { type: 'send' }>): void {
  // Availability on fresh facts, every time: the phone's view may be stale.
  const a = availability(d);
  const held = a.state === 'blocked' && a.reason === 'machine-offline' && d.world.holdMs > 0;
  if (a.state === 'blocked' && !held) {
    // The sentence carries no time: the server sends `lastSeenAt` as data and each client phrases it for people.
    const words = describeBlock(a.reason, a.detail);
    return refuse(d, {
      kind: 'blocked', message: words.sentence,
      extra: {
        reason: a.reason, sentence: words.sentence, fix: words.fix, availability: a,
        ...(a.reason === 'machine-offline' ? { lastSeenAt: d.world.machine?.lastSeenAt ?? null } : {}),
      },
    });
  }
  const now = d.world.now;
  const id = d.world.ids.message;
  addMessage(d, {
    id, seq: 0, role: 'user', text: e.text, clientId: e.clientId, state: held ? 'held' : 'accepted', failure: null, turnLost: false,
    attemptId: null, heldUntil: null, permission: null, createdAt: now, updatedAt: now,
  });
  patch(d, { lastActivityAt: now });
  if (held) hold(d, id);
  else routeAccepted(d, id);
}

/**
 * An accepted message joins a pending resume, begins one, waits for its session's start, or goes straight to the
 * live agent. A pending attempt wins even over "live" (a reconnect can mark the session active first): messages
 * stay in order behind it.
 */
export function routeAccepted(d: Draft, id: MessageId): void {
  const attempt = pending(d) ?? (availability(d).state === 'resumable' ? beginResume(d) : null);
  if (attempt) {
    setMessage(d, id, { attemptId: attempt.id }, false);
    moveMessage(d, id, { type: 'await-resume' });
    return;
  }
  const m = d.messages.get(id);
  // Its start is in flight: the message waits, accepted, and goes out with the others once `started` arrives.
  if (m && d.session.startRequestId === null) command(d, { type: 'deliver', sessionId: d.session.id, messageId: m.id, text: m.text });
}

export const holdExpiry = (d: Draft, messageId: MessageId) => ({ kind: 'hold-expiry', sessionId: d.session.id, messageId }) as const;

/** Holds a new message for its offline machine until `now + holdMs`. */
export function hold(d: Draft, id: MessageId): void {
  const until = d.world.now + d.world.holdMs;
  setMessage(d, id, { heldUntil: until }, true);
  timer(d, holdExpiry(d, id), until);
}

export type HeldEnd = 'cancelled' | 'hold-expired' | Exclude<BlockReason, 'machine-offline'>;

/** A held message fails: it will not wait any longer. */
export function endHeld(d: Draft, id: MessageId, code: HeldEnd, detail: string): void {
  timer(d, holdExpiry(d, id), null);
  moveMessage(d, id, { type: 'fail', code }, detail);
}

/** A held message whose session is now blocked for another reason than its machine ends with that reason. */
export function endIfBlocked(d: Draft, id: MessageId): boolean {
  const a = availability(d);
  if (a.state !== 'blocked' || a.reason === 'machine-offline') return false;
  endHeld(d, id, a.reason, describeBlock(a.reason, a.detail).sentence);
  return true;
}

/** Its machine is back (and reconciled): held messages go out in order, each the way a new message goes. */
export function releaseHeld(d: Draft): void {
  for (const m of inState(d, 'held')) {
    if (endIfBlocked(d, m.id)) continue;
    // Still offline (it dropped again at once): it keeps waiting.
    if (availability(d).state === 'blocked') continue;
    if (!moveMessage(d, m.id, { type: 'release' })) continue;
    timer(d, holdExpiry(d, m.id), null);
    routeAccepted(d, m.id);
  }
}

export function endHeldIfBlocked(d: Draft): void {
  for (const m of inState(d, 'held')) endIfBlocked(d, m.id);
}

const deadline = (d: Draft, a: AttemptSnap) => ({ kind: 'resume-deadline', sessionId: d.session.id, attemptId: a.id }) as const;

/** Records a pending attempt and asks the machine to reopen the session; null when there is no id to reopen. */
export function beginResume(d: Draft): AttemptSnap | null {
  const s = d.session;
  if (s.vendorResumeId === null) return null; // availability says missing-resume-id first; never reached
  const a: AttemptSnap = { id: d.world.ids.attempt, machineId: s.machineId, state: 'pending', code: null, detail: null, startedAt: d.world.now, endedAt: null };
  addAttempt(d, a);
  command(d, { type: 'resume', attemptId: a.id, sessionId: s.id, vendorResumeId: s.vendorResumeId, backend: s.backend, cwd: s.cwd, ...permissionModeField(s.permissionMode) });
  // The deadline counts from when the attempt started, also across a server restart.
  timer(d, deadline(d, a), a.startedAt + d.world.resumeTimeoutMs);
  return a;
}

/** The attempt fails with `code`; the messages waiting for it fail with the same code and the words for it. */
export function failAttempt(d: Draft, a: AttemptSnap, code: ResumeFailureCode, detail: string): void {
  if (!moveAttempt(d, a.id, { type: 'failed', code }, detail)) return;
  timer(d, deadline(d, a), null);
  const words = `${RESUME_FAILURE_TEXT[code]}${detail ? ` (${detail})` : ''}`;
  for (const m of awaiting(d, a)) moveMessage(d, m.id, { type: 'fail', code }, words);
  log(d, `resume ${a.id} of ${d.session.id} failed: ${code} ${detail}`);
}

/** The same vendor session is open again: the session is live and its messages go out in order. */
export function succeedAttempt(d: Draft, a: AttemptSnap): void {
  const moved = moveAttempt(d, a.id, { type: 'resumed' }, null);
  if (!moved) return; // a repeated result: already applied
  timer(d, deadline(d, a), null);
  patch(d, { status: 'active' });
  // A late success delivers nothing that had failed; only messages still accepted (none, normally) go out.
  if (moved.state === 'resumed') for (const m of awaiting(d, a)) moveMessage(d, m.id, { type: 'resume-succeeded' });
  queueDeliveries(d);
}

/**
 * The user stopped or archived the session while it was being reopened: the attempt fails with `stopped` and the
 * machine is told to stop whatever the resume brings up (it handles one session's frames in order, so this stop
 * lands after the resume). Returns whether an attempt was pending.
 */
export function cancelResume(d: Draft, detail: string): boolean {
  const a = pending(d);
  if (!a) return false;
  failAttempt(d, a, 'stopped', detail);
  command(d, { type: 'stop', sessionId: d.session.id });
  return true;
}

const awaiting = (d: Draft, a: AttemptSnap) => [...d.messages.values()].filter((m) => m.state === 'awaiting-resume' && m.attemptId === a.id);

/** Sends `deliver` for each accepted message, oldest first, when an agent runs (the daemon dedupes by message id). */
export function queueDeliveries(d: Draft): void {
  if (d.session.status !== 'active') return;
  for (const m of inState(d, 'accepted')) command(d, { type: 'deliver', sessionId: d.session.id, messageId: m.id, text: m.text });
}

export function failAccepted(d: Draft, code: MessageFailureCode, detail: string): void {
  for (const m of inState(d, 'accepted')) moveMessage(d, m.id, { type: 'fail', code }, detail);
}

/** Its agent is gone: what it took ends unanswered (`turn-lost`, never written again), and no later agent's turn end answers it. */
export function loseTurn(d: Draft, detail: string): void {
  // What it asked can no longer be answered: a resumed agent never asked it.
  expirePermissions(d);
  for (const m of [...d.messages.values()]) {
    if (!awaitsTurnEnd(m)) continue;
    setMessage(d, m.id, { turnLost: true }, false);
    moveMessage(d, m.id, { type: 'turn-lost' }, detail);
  }
}

/** The open permission requests can no longer be answered (their turn ended, or their agent is gone): they expire. */
export function expirePermissions(d: Draft): void {
  for (const m of [...d.messages.values()]) {
    if (m.role === 'permission' && m.permission?.decision === null) setMessage(d, m.id, { permission: { ...m.permission, decision: 'expired' }, updatedAt: d.world.now }, true);
  }
}

/** What a turn end answers: the delivered messages of the agent whose turn it was. */
export const inTurn = (d: Draft) => [...d.messages.values()].filter(awaitsTurnEnd);
