// After the phone was away: look up what became of messages the server already took, so none keeps a stale state.
import type { ApiClient } from '../lib/api-client.ts';
import type { CacheDb } from '../lib/cache-db.ts';
import type { OutboxItem } from '../lib/outbox-item.ts';
import { applyServerMessage, listOutbox } from './outbox.ts';

/** Taken by the server, not yet final: its state may have moved while no socket was there to say so. */
const unsettled = (i: OutboxItem) => i.messageId !== null && typeof i.seq === 'number' && (i.state === 'waiting' || i.state === 'sending' || i.state === 'resuming' || i.state === 'delivered');

/** One page per session that has such messages, from just before the oldest of them. */
export async function reconcileOutbox(db: CacheDb, api: ApiClient): Promise<void> {
  const bySession = new Map<string, number>();
  for (const i of (await listOutbox(db)).filter(unsettled)) bySession.set(i.sessionId, Math.min(bySession.get(i.sessionId) ?? Infinity, i.seq!));
  for (const [sessionId, seq] of bySession) {
    const page = await api.call('listMessages', { id: sessionId, query: { after: seq - 1, limit: 200 } });
    for (const m of page.messages) if (m.role === 'user') await applyServerMessage(db, m);
  }
}
