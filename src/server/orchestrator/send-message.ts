// The strict-resume entry point: a phone sends a message; it goes straight in, waits for a resume, is held for its offline machine, or is refused.
import { BatonError, describeBlock, type MessageRecord, type SendMessageRequest } from '../../core/index.ts';
import type { ServerContext, Tx } from '../context.ts';
import { toMessageRecord, type MessageRow } from '../store/messages.ts';
import type { SessionRow } from '../store/sessions.ts';
import { newId } from '../tokens.ts';
import { availabilityOf } from '../views.ts';
import type { ResumeService } from './resume.ts';
import { moveMessage, touchSession } from './transitions.ts';

export interface SendOutcome {
  /** 202 for a new message, 200 when this clientId was already stored (nothing new happened). */
  readonly status: 200 | 202;
  readonly message: MessageRecord;
}

/** Where a message goes when its session's machine is offline (holds.ts); without one, it is refused. */
export interface MessageHold {
  hold(tx: Tx, session: SessionRow, row: MessageRow): MessageRow;
}

/** `admit` runs only when a new message is about to be stored (a rate limit throws there; a retry is free). */
export function sendMessage(
  ctx: ServerContext, resume: ResumeService, accountId: string, sessionId: string, body: SendMessageRequest,
  admit: () => void = () => {}, holds?: MessageHold,
): SendOutcome {
  return ctx.change((tx) => {
    const { stores } = ctx;
    const session = stores.sessions.get(accountId, sessionId);
    if (!session) throw new BatonError('not-found', `no session ${sessionId}`);
    const existing = stores.messages.byClientId(session.id, 'user', body.clientId);
    if (existing) return { status: 200, message: toMessageRecord(existing) };
    admit();

    // Availability on fresh facts, every time: the phone's view may be stale.
    const availability = availabilityOf(ctx, session);
    const held = availability.state === 'blocked' && availability.reason === 'machine-offline' && holds !== undefined;
    if (availability.state === 'blocked' && !held) {
      const machine = stores.machines.byId(session.machine_id);
      // The sentence carries no time: the server sends `lastSeenAt` as data and each client phrases it for people.
      const words = describeBlock(availability.reason, availability.detail);
      throw new BatonError('blocked', words.sentence, {
        reason: availability.reason, sentence: words.sentence, fix: words.fix, availability,
        ...(availability.reason === 'machine-offline' ? { lastSeenAt: machine?.last_seen_at ?? null } : {}),
      });
    }

    const now = ctx.now();
    const row = stores.messages.insert({
      id: newId('msg'),
      session_id: session.id,
      role: 'user',
      origin: 'user',
      client_id: body.clientId,
      text: body.text,
      state: held ? 'held' : 'accepted',
      tool: null,
      permission: null,
      attempt_id: null,
      created_at: now,
    });
    touchSession(ctx, tx, accountId, session.id, { last_activity_at: now });
    const out = held ? holds!.hold(tx, session, row) : routeAccepted(ctx, resume, tx, session, row);
    return { status: 202, message: toMessageRecord(out) };
  });
}

/**
 * An accepted message takes the strict-resume path: it joins a pending resume, begins one, waits for its
 * session's start, or goes straight to the live agent. A new message and a released held one both come here.
 */
export function routeAccepted(ctx: ServerContext, resume: ResumeService, tx: Tx, session: SessionRow, row: MessageRow): MessageRow {
  const { stores } = ctx;
  const accountId = session.account_id;
  // A pending attempt wins even over "live" (a reconnect can mark the session active first): messages stay in order behind it.
  const pending = stores.attempts.pendingOfSession(session.id);
  const attempt = pending ?? (availabilityOf(ctx, session).state === 'resumable' ? resume.begin(tx, session) : undefined);
  if (attempt) {
    const bound = stores.messages.setAttempt(row.id, attempt.id);
    return moveMessage(ctx, tx, accountId, bound, { type: 'await-resume' }) ?? bound;
  }
  tx.messageChanged(accountId, row);
  // Its start is in flight: the message waits, accepted, and goes out with the others once `started` arrives.
  if (session.start_request_id === null) {
    tx.toMachine(session.machine_id, { type: 'deliver', sessionId: session.id as never, messageId: row.id as never, text: row.text });
  }
  return row;
}
