// The push events table: one row per event per device, both the record that makes a notification happen once
// (across retries and restarts) and the queue the sender works through.
import type { Db } from '../db/open-database.ts';

export type PushEventState = 'pending' | 'sent' | 'suppressed' | 'dropped' | 'failed';

export interface PushEventRow {
  device_id: string;
  event_id: string;
  account_id: string;
  state: PushEventState;
  payload: string;
  urgency: 'high' | 'normal';
  attempts: number;
  next_at: number;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export type NewPushEvent = Pick<PushEventRow, 'device_id' | 'event_id' | 'account_id' | 'state' | 'payload' | 'urgency'>;

/** How long a row is kept once it is done: far longer than any retry or re-sent frame could come back. */
export const KEEP_DONE_MS = 30 * 24 * 3600_000;

/**
 * How long an instance has to send an event it claimed before another may (a push request times out after 10 s): an
 * event in flight when its instance died goes out this much later, from whichever instance runs next.
 */
export const CLAIM_MS = 15_000;

export function createPushEventStore(db: Db, claimMs = CLAIM_MS) {
  const s = {
    insert: db.prepare(`INSERT OR IGNORE INTO push_events (device_id, event_id, account_id, state, payload, urgency, next_at, created_at, updated_at)
      VALUES (@device_id, @event_id, @account_id, @state, @payload, @urgency, @now, @now, @now)`),
    get: db.prepare<[string, string], PushEventRow>('SELECT * FROM push_events WHERE device_id = ? AND event_id = ?'),
    due: db.prepare<[number, number], PushEventRow>("SELECT * FROM push_events WHERE state = 'pending' AND next_at <= ? ORDER BY next_at LIMIT ?"),
    // With other instances on the database, each due event is claimed by one of them (its next_at moved past the
    // send), so no two send it; a claim whose instance died runs out and another sends it.
    claim: !db.shared ? null : db.prepare<[number, number, number], PushEventRow>(`UPDATE push_events SET next_at = ? WHERE (device_id, event_id) IN (
      SELECT device_id, event_id FROM push_events WHERE state = 'pending' AND next_at <= ? ORDER BY next_at LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING *`),
    nextDue: db.prepare<[], { at: number | null }>("SELECT MIN(next_at) AS at FROM push_events WHERE state = 'pending'"),
    finish: db.prepare("UPDATE push_events SET state = ?, attempts = attempts + ?, last_error = ?, updated_at = ? WHERE device_id = ? AND event_id = ? AND state = 'pending'"),
    retry: db.prepare("UPDATE push_events SET attempts = attempts + 1, next_at = ?, last_error = ?, updated_at = ? WHERE device_id = ? AND event_id = ? AND state = 'pending'"),
    dropDevice: db.prepare("UPDATE push_events SET state = 'dropped', last_error = ?, updated_at = ? WHERE device_id = ? AND state = 'pending'"),
    prune: db.prepare("DELETE FROM push_events WHERE state <> 'pending' AND created_at < ?"),
  };
  return {
    /** Records the event for the device; false when it was already recorded (then nothing is sent again). */
    insert: (row: NewPushEvent, now: number): boolean => s.insert.run({ ...row, now }).changes > 0,
    get: (deviceId: string, eventId: string): PushEventRow | undefined => s.get.get(deviceId, eventId),
    due: (now: number, limit: number): PushEventRow[] => (s.claim ? s.claim.all(now + claimMs, now, limit) : s.due.all(now, limit)),
    nextDue: (): number | null => s.nextDue.get()?.at ?? null,
    /** Sent, dropped or failed for good; `attempted` says whether this counted as a delivery attempt. */
    finish(row: PushEventRow, state: Exclude<PushEventState, 'pending' | 'suppressed'>, error: string | null, attempted: boolean, now: number): void {
      s.finish.run(state, attempted ? 1 : 0, error, now, row.device_id, row.event_id);
    },
    retryAt(row: PushEventRow, at: number, error: string, now: number): void {
      s.retry.run(at, error, now, row.device_id, row.event_id);
    },
    dropDevice: (deviceId: string, why: string, now: number): void => void s.dropDevice.run(why, now, deviceId),
    prune: (now: number): number => s.prune.run(now - KEEP_DONE_MS).changes,
  };
}
export type PushEventStore = ReturnType<typeof createPushEventStore>;
