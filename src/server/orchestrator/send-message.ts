// The strict-resume entry point: a phone sends a message; it goes straight in, waits for a resume, or is refused.
import { BatonError, describeBlock, type MessageRecord, type SendMessageRequest } from '../../core/index.ts';
import type { ServerContext } from '../context.ts';
import { toMessageRecord } from '../store/messages.ts';
import { newId } from '../tokens.ts';
import { availabilityOf } from '../views.ts';
import type { ResumeService } from './resume.ts';
import { moveMessage, touchSession } from './transitions.ts';

export interface SendOutcome {
  /** 202 for a new message, 200 when this clientId was already stored (nothing new happened). */
  readonly status: 200 | 202;
  readonly message: MessageRecord;
}

/** `admit` runs only when a new message is about to be stored (a rate limit throws there; a retry is free). */
export function sendMessage(ctx: ServerContext, resume: ResumeService, accountId: string, sessionId: string, body: SendMessageRequest, admit: () => void = () => {}): SendOutcome {
  return ctx.change((tx) => {
    const { stores } = ctx;
    const session = stores.sessions.get(accountId, sessionId);
    if (!session) throw new BatonError('not-found', `no session ${sessionId}`);
    const existing = stores.messages.byClientId(session.id, 'user', body.clientId);
    if (existing) return { status: 200, message: toMessageRecord(existing) };
    admit();

    // Availability on fresh facts, every time: the phone's view may be stale.
    const availability = availabilityOf(ctx, session);
    if (availability.state === 'blocked') {
      const machine = stores.machines.byId(session.machine_id);
      const lastSeen = machine?.last_seen_at ? new Date(machine.last_seen_at).toISOString() : undefined;
      const words = describeBlock(availability.reason, availability.detail, lastSeen);
      throw new BatonError('blocked', words.sentence, { reason: availability.reason, sentence: words.sentence, fix: words.fix, availability });
    }

    const now = ctx.now();
    // A pending attempt wins even over "live" (a reconnect can mark the session active first): messages stay in order behind it.
    const pending = stores.attempts.pendingOfSession(session.id);
    const attempt = pending ?? (availability.state === 'resumable' ? resume.begin(tx, session) : undefined);
    let row = stores.messages.insert({
      id: newId('msg'),
      session_id: session.id,
      role: 'user',
      origin: 'user',
      client_id: body.clientId,
      text: body.text,
      state: 'accepted',
      tool: null,
      permission: null,
      attempt_id: attempt?.id ?? null,
      created_at: now,
    });
    touchSession(ctx, tx, accountId, session.id, { last_activity_at: now });
    if (attempt) {
      row = moveMessage(ctx, tx, accountId, row, { type: 'await-resume' }) ?? row;
    } else if (session.start_request_id !== null) {
      // Its start is in flight: the message waits, accepted, and goes out with the others once `started` arrives.
      tx.messageChanged(accountId, row);
    } else {
      tx.messageChanged(accountId, row);
      tx.toMachine(session.machine_id, { type: 'deliver', sessionId: session.id as never, messageId: row.id as never, text: row.text });
    }
    return { status: 202, message: toMessageRecord(row) };
  });
}
