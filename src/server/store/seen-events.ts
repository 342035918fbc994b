// Agent event ids already applied per session, so an event a daemon re-sends after a reconnect is applied once.
import type { Db } from '../db/open-database.ts';

export function createSeenEventStore(db: Db) {
  const insert = db.prepare<[string, string]>('INSERT OR IGNORE INTO seen_events (session_id, event_id) VALUES (?, ?)');
  return {
    /** True the first time this event id is seen for the session. */
    markSeen: (sessionId: string, eventId: string): boolean => insert.run(sessionId, eventId).changes > 0,
  };
}
