// What happens to a session's user messages in bulk: accepted ones written to the live agent, failed together, or
// left behind by an agent that went away mid-turn.
import { awaitsTurnEnd, type MessageFailureCode } from '../delivery.ts';
import { command, inState, moveMessage, setMessage, type Draft } from './draft.ts';

/** Sends `deliver` for each accepted message, oldest first, when an agent runs (the daemon dedupes by message id). */
export function queueDeliveries(d: Draft): void {
  if (d.session.status !== 'active') return;
  for (const m of inState(d, 'accepted')) command(d, { type: 'deliver', sessionId: d.session.id, messageId: m.id, text: m.text });
}

export function failAccepted(d: Draft, code: MessageFailureCode, detail: string): void {
  for (const m of inState(d, 'accepted')) moveMessage(d, m.id, { type: 'fail', code }, detail);
}

/** Its agent is gone: what it took stays delivered, and a later agent's turn end must not answer it. */
export function loseTurn(d: Draft): void {
  for (const m of [...d.messages.values()]) if (awaitsTurnEnd(m)) setMessage(d, m.id, { turnLost: true }, false);
}

/** What a turn end answers: the delivered messages of the agent whose turn it was. */
export const inTurn = (d: Draft) => [...d.messages.values()].filter(awaitsTurnEnd);
