// Agent output becomes transcript messages, each stored once per event id (daemons re-send after reconnects).
import type { AgentEvent, RetryNotice } from '../../core/index.ts';
import type { ServerContext, Tx } from '../context.ts';
import type { SessionRow } from '../store/sessions.ts';
import { isEntryEvent } from '../store/agent-entries.ts';
import { newId } from '../tokens.ts';
import { moveMessage, touchSession } from './transitions.ts';

export function applyAgentEvent(ctx: ServerContext, tx: Tx, session: SessionRow, eventId: string, event: AgentEvent): void {
  const { stores, db } = ctx;
  const fresh = db.prepare('INSERT OR IGNORE INTO seen_events (session_id, event_id) VALUES (?, ?)').run(session.id, eventId).changes > 0;
  if (!fresh) return;
  const now = ctx.now();
  // The vendor moved on (or ended the turn): its retry notice no longer holds.
  const retryCleared = session.agent_retry !== null && event.kind !== 'retry' ? { agent_retry: null } : {};
  const base = { session_id: session.id, origin: 'agent' as const, client_id: eventId, state: null, attempt_id: null, created_at: now, tool: null, permission: null };
  // Tool calls, plans and streamed text: one message per call / plan / part, updated as later reports come.
  if (isEntryEvent(event)) {
    const row = stores.entries.apply(session.id, event, { ...base, id: newId('msg') }, now);
    touchSession(ctx, tx, session.account_id, session.id, { last_activity_at: now, ...retryCleared });
    return tx.messageChanged(session.account_id, row);
  }
  switch (event.kind) {
    case 'turn-end': {
      // Only what this agent took: a message whose agent went away before answering stays delivered.
      const failure = event.failure;
      for (const m of stores.messages.inTurn(session.id)) {
        if (failure) moveMessage(ctx, tx, session.account_id, m, { type: 'turn-failed', code: failure.code }, failure.detail);
        else moveMessage(ctx, tx, session.account_id, m, { type: 'turn-ended' });
      }
      for (const row of stores.entries.settle(session.id, now)) tx.messageChanged(session.account_id, row);
      touchSession(ctx, tx, session.account_id, session.id, { last_activity_at: now, ...retryCleared });
      return;
    }
    case 'retry': {
      const notice: RetryNotice = { attempt: event.attempt, maxAttempts: event.maxAttempts, detail: event.detail, retryInMs: event.retryInMs, at: now };
      touchSession(ctx, tx, session.account_id, session.id, { agent_retry: JSON.stringify(notice) });
      return;
    }
    case 'text':
      return append({ ...base, id: newId('msg'), role: 'agent', text: event.text });
    case 'tool':
      return append({ ...base, id: newId('msg'), role: 'tool', text: event.input, tool: event.tool });
    case 'error':
      return append({ ...base, id: newId('msg'), role: 'notice', text: event.text });
    case 'permission-request': {
      const { kind: _kind, ...fields } = event;
      const permission = JSON.stringify({ ...fields, decision: null });
      append({ ...base, id: newId('msg'), role: 'permission', text: `${event.tool}: ${event.input}`, tool: event.tool, permission });
      touchSession(ctx, tx, session.account_id, session.id, { awaiting_permission: 1, ...retryCleared });
      return;
    }
    default: {
      const never: never = event;
      ctx.log(`unknown agent event ${(never as { kind: string }).kind}`);
    }
  }

  function append(m: Parameters<typeof stores.messages.insert>[0]): void {
    const row = stores.messages.insert(m);
    touchSession(ctx, tx, session.account_id, session.id, { last_activity_at: now, ...retryCleared });
    tx.messageChanged(session.account_id, row);
  }
}

/** A line from Baton itself in the transcript (e.g. why a start failed). */
export function appendNotice(ctx: ServerContext, tx: Tx, session: SessionRow, text: string): void {
  const now = ctx.now();
  const row = ctx.stores.messages.insert({
    id: newId('msg'), session_id: session.id, role: 'notice', origin: 'agent', client_id: null, text,
    state: null, tool: null, permission: null, attempt_id: null, created_at: now,
  });
  touchSession(ctx, tx, session.account_id, session.id, { last_activity_at: now });
  tx.messageChanged(session.account_id, row);
}
