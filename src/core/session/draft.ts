// The working copy one step changes: the snapshot's parts, replaced (never mutated) as the step goes, and the
// effects it asks for, in order. Every message and attempt moves through the core machines; illegal moves are
// refused and logged, and change nothing. At the end, what changed, field by field: all a store writes.
import { evaluateAvailability, type Availability } from '../availability.ts';
import { deliveryTransition, type DeliveryEvent, type DeliveryState, type MessageFailureCode } from '../delivery.ts';
import type { AttemptId, MessageId } from '../ids.ts';
import { resumeTransition, type ResumeEvent } from '../resume-attempt.ts';
import type { Refusal, SessionCommand, SessionEffect, SessionTimer, TranscriptEntry } from './effects.ts';
import type { AttemptSnap, MessageSnap, SessionFacts, SessionSnapshot, WorldFacts } from './snapshot.ts';

export interface Draft {
  readonly world: WorldFacts;
  session: SessionFacts;
  /** Insertion order is seq order; new messages go last. */
  readonly messages: Map<MessageId, MessageSnap>;
  readonly attempts: Map<AttemptId, AttemptSnap>;
  readonly effects: SessionEffect[];
  /** Its change cursor moves (sync sends it again): set by every change a client can see. */
  touched: boolean;
  refusal: Refusal | null;
  /** Messages already hinted to phones in this step (each once, at its first change). */
  readonly hinted: Set<MessageId>;
}

export function draftOf(s: SessionSnapshot): Draft {
  return {
    world: s.world, session: s.session,
    messages: new Map(s.messages.map((m) => [m.id, m])), attempts: new Map(s.attempts.map((a) => [a.id, a])),
    effects: [], touched: false, refusal: null, hinted: new Set(),
  };
}

export function snapshotOf(d: Draft): SessionSnapshot {
  return { session: d.session, messages: [...d.messages.values()], attempts: [...d.attempts.values()], world: d.world };
}

/** Sets session facts; like every change, it moves the session's change cursor. */
export function patch(d: Draft, p: Partial<SessionFacts>): void {
  d.session = { ...d.session, ...p };
  d.touched = true;
}

export const command = (d: Draft, c: SessionCommand): void => void d.effects.push({ type: 'command', command: c });
export const log = (d: Draft, line: string): void => void d.effects.push({ type: 'log', line });
export const timer = (d: Draft, t: SessionTimer, at: number | null): void => void d.effects.push({ type: 'timer', timer: t, at });

/** A transcript line from the agent or from Baton; the session's last activity is now. */
export function append(d: Draft, entry: TranscriptEntry, extra: Partial<SessionFacts> = {}): void {
  d.effects.push({ type: 'append', entry });
  patch(d, { lastActivityAt: d.world.now, ...extra });
}

export const notice = (d: Draft, text: string): void => append(d, { role: 'notice', text, eventId: null, tool: null, permission: null });

/** Refuses the phone's action: the step's changes and effects are dropped. */
export function refuse(d: Draft, r: Refusal): void {
  d.refusal = r;
}

function hint(d: Draft, id: MessageId): void {
  if (d.hinted.has(id)) return;
  d.hinted.add(id);
  d.effects.push({ type: 'hint', messageId: id });
}

/** Changes a message; `visible`: phones see the change (state, failure, answer), so it is hinted and touches the session. */
export function setMessage(d: Draft, id: MessageId, p: Partial<MessageSnap>, visible: boolean): void {
  const m = d.messages.get(id);
  if (!m) return;
  d.messages.set(id, { ...m, ...p });
  if (!visible) return;
  d.touched = true;
  hint(d, id);
}

export function addMessage(d: Draft, m: MessageSnap): void {
  d.messages.set(m.id, m);
  d.touched = true;
  hint(d, m.id);
}

/** Applies a delivery event; false (and nothing changes) when the message cannot take it. */
export function moveMessage(d: Draft, id: MessageId, event: DeliveryEvent, detail = ''): boolean {
  const m = d.messages.get(id);
  if (!m || m.state === null) return false;
  const t = deliveryTransition(m.state, event);
  if (!t.ok) {
    log(d, `refused: message ${m.id}: ${t.error}`);
    return false;
  }
  if (t.state === m.state) return true;
  const failure: { code: MessageFailureCode; detail: string } | null = event.type === 'fail' || event.type === 'turn-failed' ? { code: event.code, detail }
    : event.type === 'turn-lost' ? { code: 'turn-lost', detail } : null;
  setMessage(d, id, { state: t.state, failure, updatedAt: d.world.now }, true);
  return true;
}

/** Applies a resume event; null when the attempt cannot take it (e.g. a second answer). */
export function moveAttempt(d: Draft, id: AttemptId, event: ResumeEvent, detail: string | null): AttemptSnap | null {
  const a = d.attempts.get(id);
  if (!a) return null;
  const t = resumeTransition({ state: a.state, code: a.code }, event);
  if (!t.ok) {
    log(d, `refused: attempt ${a.id}: ${t.error}`);
    return null;
  }
  // A late success keeps the original failure's detail and end time: that is what the user was told.
  const late = t.state.state === 'resumed-late';
  const moved: AttemptSnap = { ...a, state: t.state.state, code: t.state.code, detail: late ? a.detail : detail, endedAt: late ? a.endedAt : d.world.now };
  d.attempts.set(id, moved);
  d.touched = true;
  return moved;
}

export function addAttempt(d: Draft, a: AttemptSnap): void {
  d.attempts.set(a.id, a);
  d.touched = true;
}

export const pending = (d: Draft): AttemptSnap | undefined => [...d.attempts.values()].find((a) => a.state === 'pending');
export const inState = (d: Draft, state: DeliveryState): MessageSnap[] => [...d.messages.values()].filter((m) => m.state === state);

/** Availability on the facts as they stand in this step (the one rule, src/core/availability.ts). */
export function availability(d: Draft): Availability {
  const s = d.session;
  const m = d.world.machine;
  return evaluateAvailability({
    managed: s.managed, archived: s.archived, status: s.status, backend: s.backend, vendorResumeId: s.vendorResumeId,
    resumeInFlight: pending(d) !== undefined, startInFlight: s.startRequestId !== null,
    disabledBackends: d.world.disabledBackends,
    machine: m ? { name: m.name, online: m.online, lastSeenAt: m.lastSeenAt, capabilities: m.capabilities } : null,
  });
}

export interface SessionChanges {
  /** The session's facts that changed (only those). */
  readonly session: Partial<SessionFacts>;
  /** Something a client can see changed: the session's change cursor moves, so sync sends it again. */
  readonly touched: boolean;
  /** User messages this step added (the store gives each its seq), in order. */
  readonly addedMessages: readonly MessageSnap[];
  readonly changedMessages: readonly { readonly id: MessageId; readonly set: Partial<MessageSnap>; readonly after: MessageSnap }[];
  readonly addedAttempts: readonly AttemptSnap[];
  readonly changedAttempts: readonly { readonly id: AttemptId; readonly set: Partial<AttemptSnap>; readonly after: AttemptSnap }[];
}

export function diffSnapshots(before: SessionSnapshot, after: SessionSnapshot, touched: boolean): SessionChanges {
  const messages = new Map(before.messages.map((m) => [m.id, m]));
  const attempts = new Map(before.attempts.map((a) => [a.id, a]));
  const addedMessages: MessageSnap[] = [];
  const changedMessages: { id: MessageId; set: Partial<MessageSnap>; after: MessageSnap }[] = [];
  for (const m of after.messages) {
    const old = messages.get(m.id);
    if (!old) addedMessages.push(m);
    else if (old !== m) changedMessages.push({ id: m.id, set: fieldsChanged(old, m), after: m });
  }
  const addedAttempts: AttemptSnap[] = [];
  const changedAttempts: { id: AttemptId; set: Partial<AttemptSnap>; after: AttemptSnap }[] = [];
  for (const a of after.attempts) {
    const old = attempts.get(a.id);
    if (!old) addedAttempts.push(a);
    else if (old !== a) changedAttempts.push({ id: a.id, set: fieldsChanged(old, a), after: a });
  }
  return { session: fieldsChanged(before.session, after.session), touched, addedMessages, changedMessages, addedAttempts, changedAttempts };
}

/** Fields of `b` that differ from `a` (objects compared by identity: a step replaces what it changes). */
function fieldsChanged<T extends object>(a: T, b: T): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(b) as (keyof T)[]) if (a[k] !== b[k]) out[k] = b[k];
  return out;
}
