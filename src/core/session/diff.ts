// What one step changed, field by field: what a store writes (and all it writes) to save a step.
import type { AttemptId, MessageId } from '../ids.ts';
import type { AttemptSnap, MessageSnap, SessionFacts, SessionSnapshot } from './snapshot.ts';

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

export function changedNothing(c: SessionChanges): boolean {
  return !c.touched && Object.keys(c.session).length === 0 && c.addedMessages.length === 0 && c.changedMessages.length === 0
    && c.addedAttempts.length === 0 && c.changedAttempts.length === 0;
}

/** Fields of `b` that differ from `a` (objects compared by identity: a step replaces what it changes). */
function fieldsChanged<T extends object>(a: T, b: T): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(b) as (keyof T)[]) if (a[k] !== b[k]) out[k] = b[k];
  return out;
}
