// Sends `deliver` for a session's accepted messages, oldest first; the daemon dedupes by message id.
import type { ServerContext, Tx } from '../context.ts';

export function queueDeliveries(ctx: ServerContext, tx: Tx, sessionId: string): void {
  const session = ctx.stores.sessions.byId(sessionId);
  if (!session || session.status !== 'active') return;
  for (const m of ctx.stores.messages.inState(sessionId, 'accepted')) {
    tx.toMachine(session.machine_id, { type: 'deliver', sessionId: session.id as never, messageId: m.id as never, text: m.text });
  }
}
