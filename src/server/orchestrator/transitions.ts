// Every message and attempt state change goes through the core state machines; illegal ones are refused.
import { deliveryTransition, resumeTransition, type DeliveryEvent, type MessageFailureCode, type ResumeEvent } from '../../core/index.ts';
import type { ServerContext, Tx } from '../context.ts';
import type { MessageRow } from '../store/messages.ts';
import type { AttemptRow } from '../store/resume-attempts.ts';

/** Applies a delivery event; returns null (and changes nothing) when the machine refuses it. */
export function moveMessage(ctx: ServerContext, tx: Tx, accountId: string, row: MessageRow, event: DeliveryEvent, detail = ''): MessageRow | null {
  if (row.state === null) return null;
  const t = deliveryTransition(row.state, event);
  if (!t.ok) {
    ctx.log(`refused: message ${row.id}: ${t.error}`);
    return null;
  }
  if (t.state === row.state) return row;
  const failure: { code: MessageFailureCode; detail: string } | null = event.type === 'fail' || event.type === 'turn-failed' ? { code: event.code, detail } : null;
  const updated = ctx.stores.messages.setState(row.id, t.state, ctx.now(), failure);
  touchSession(ctx, tx, accountId, row.session_id);
  tx.messageChanged(accountId, updated);
  return updated;
}

/** Applies a resume event; returns null when the attempt cannot take it (e.g. a second answer). */
export function moveAttempt(ctx: ServerContext, tx: Tx, accountId: string, row: AttemptRow, event: ResumeEvent, detail: string | null): AttemptRow | null {
  const t = resumeTransition({ state: row.state, code: row.code }, event);
  if (!t.ok) {
    ctx.log(`refused: attempt ${row.id}: ${t.error}`);
    return null;
  }
  // A late success keeps the original failure's code and end time: that is what the user was told.
  const late = t.state.state === 'resumed-late';
  const updated = ctx.stores.attempts.set(row.id, t.state.state, t.state.code, late ? row.detail : detail, late ? row.ended_at : ctx.now());
  touchSession(ctx, tx, accountId, row.session_id);
  return updated;
}

/** Stamps the session with the transaction's cursor so `sync` sends it again. */
export function touchSession(ctx: ServerContext, tx: Tx, accountId: string, sessionId: string, patch: Parameters<ServerContext['stores']['sessions']['update']>[2] = {}): void {
  ctx.stores.sessions.update(sessionId, tx.cursor(accountId), patch);
}
