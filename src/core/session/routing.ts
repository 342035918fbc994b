// Where an accepted message goes (the strict-resume path), and the life of a held one: a message sent while its
// session's machine is offline waits on the server, leaves `held` once only — released into the same path a new
// message takes, or failed (cancelled, expired, or its session blocked for good meanwhile).
import { describeBlock, type BlockReason } from '../availability.ts';
import type { MessageId } from '../ids.ts';
import { availability, command, inState, moveMessage, pending, setMessage, timer, type Draft } from './draft.ts';
import { beginResume } from './resume.ts';

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
