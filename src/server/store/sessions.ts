// Sessions: managed or direct, where they run, their vendor ids, and whether an agent is running.
import type { Db } from '../db/open-database.ts';
import type { Backend, Provider } from '../../core/index.ts';

export interface SessionRow {
  id: string;
  account_id: string;
  machine_id: string;
  provider: Provider;
  backend: Backend;
  cwd: string;
  title: string;
  managed: number;
  status: 'active' | 'inactive';
  archived: number;
  vendor_id: string | null;
  vendor_resume_id: string | null;
  awaiting_permission: number;
  /** JSON RetryNotice while the vendor retries a model call (migration 3). */
  agent_retry: string | null;
  start_request_id: string | null;
  created_at: number;
  last_activity_at: number;
  cursor: number;
  /** The chosen permission mode (migration 20); null: the vendor's default. */
  permission_mode?: string | null;
}

export type NewSession = Omit<SessionRow, 'archived' | 'awaiting_permission' | 'agent_retry' | 'permission_mode'>;

/** Columns a change may set; `cursor` is always set by the caller. */
type Patch = Partial<Pick<SessionRow, 'title' | 'managed' | 'status' | 'archived' | 'vendor_id' | 'vendor_resume_id' | 'awaiting_permission' | 'agent_retry' | 'start_request_id' | 'last_activity_at' | 'permission_mode'>>;
const PATCHABLE = new Set(['title', 'managed', 'status', 'archived', 'vendor_id', 'vendor_resume_id', 'awaiting_permission', 'agent_retry', 'start_request_id', 'last_activity_at', 'permission_mode']);

export function createSessionStore(db: Db) {
  const s = {
    insert: db.prepare(`INSERT INTO sessions (id, account_id, machine_id, provider, backend, cwd, title, managed, status, vendor_id,
      vendor_resume_id, start_request_id, created_at, last_activity_at, cursor)
      VALUES (@id, @account_id, @machine_id, @provider, @backend, @cwd, @title, @managed, @status, @vendor_id,
      @vendor_resume_id, @start_request_id, @created_at, @last_activity_at, @cursor)`),
    get: db.prepare<[string, string], SessionRow>('SELECT * FROM sessions WHERE id = ? AND account_id = ?'),
    byId: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?'),
    since: db.prepare<[string, number], SessionRow>('SELECT * FROM sessions WHERE account_id = ? AND cursor > ? ORDER BY cursor, id'),
    // Row values over the (account_id, cursor, id) index: each page starts where the last one stopped.
    after: db.prepare<[string, number, string], SessionRow>('SELECT * FROM sessions WHERE account_id = ? AND (cursor, id) > (?, ?) ORDER BY cursor, id'),
    ofMachine: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE machine_id = ? ORDER BY created_at, id'),
    touchAccount: db.prepare('UPDATE sessions SET cursor = ? WHERE account_id = ?'),
    // Two lookups, each on its own index (an OR over both columns would scan every session of the machine).
    byVendorResume: db.prepare<[string, string], SessionRow>('SELECT * FROM sessions WHERE machine_id = ? AND vendor_resume_id = ? ORDER BY managed DESC LIMIT 1'),
    byVendor: db.prepare<[string, string], SessionRow>('SELECT * FROM sessions WHERE machine_id = ? AND vendor_id = ? ORDER BY managed DESC LIMIT 1'),
    directOf: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE machine_id = ? AND managed = 0'),
    tombstone: db.prepare(`INSERT INTO removed_sessions (session_id, account_id, cursor) VALUES (?, ?, ?)
      ON CONFLICT (session_id) DO UPDATE SET account_id = excluded.account_id, cursor = excluded.cursor`),
    removedSince: db.prepare<[string, number], { session_id: string }>('SELECT session_id FROM removed_sessions WHERE account_id = ? AND cursor > ? ORDER BY cursor'),
    // A direct session has nothing of its own but share links (no messages or attempts: those need it managed).
    dropShares: db.prepare('DELETE FROM shares WHERE session_id = ?'),
    dropSeen: db.prepare('DELETE FROM seen_events WHERE session_id = ?'),
    hasOwnRows: db.prepare<{ id: string }, { n: number }>(`SELECT 1 AS n WHERE EXISTS (SELECT 1 FROM messages WHERE session_id = @id)
      OR EXISTS (SELECT 1 FROM resume_attempts WHERE session_id = @id)`),
    remove: db.prepare('DELETE FROM sessions WHERE id = ? AND managed = 0'),
  };
  const updates = new Map<string, ReturnType<Db['prepare']>>();
  return {
    insert(row: NewSession): void {
      s.insert.run(row);
    },
    get: (accountId: string, id: string): SessionRow | undefined => s.get.get(id, accountId),
    byId: (id: string): SessionRow | undefined => s.byId.get(id),
    since: (accountId: string, cursor: number): SessionRow[] => s.since.all(accountId, cursor),
    /** Sessions changed after `cursor`, or after the position (`cursor`, `id`) when `id` is given, in (cursor, id) order, read lazily. */
    iterateFrom: (accountId: string, cursor: number, id: string | null): IterableIterator<SessionRow> =>
      id === null ? s.since.iterate(accountId, cursor) : s.after.iterate(accountId, cursor, id),
    ofMachine: (machineId: string): SessionRow[] => s.ofMachine.all(machineId),
    byVendorId(machineId: string, vendorId: string): SessionRow | undefined {
      const a = s.byVendorResume.get(machineId, vendorId);
      if (a?.managed === 1) return a;
      return s.byVendor.get(machineId, vendorId) ?? a;
    },
    /** The machine's direct (unmanaged) sessions. */
    directOf: (machineId: string): SessionRow[] => s.directOf.all(machineId),
    /** Removes a direct session from view; clients learn it from sync's `removedSessionIds`. Managed sessions are never removed. */
    removeDirect(row: SessionRow, cursor: number): boolean {
      // Never one with rows of its own (it was managed once, or something was said in it): those stay.
      if (row.managed !== 0 || s.hasOwnRows.get({ id: row.id })) return false;
      s.dropShares.run(row.id);
      s.dropSeen.run(row.id);
      if (s.remove.run(row.id).changes === 0) return false;
      s.tombstone.run(row.id, row.account_id, cursor);
      return true;
    },
    removedSince: (accountId: string, cursor: number): string[] => s.removedSince.all(accountId, cursor).map((r) => r.session_id),
    update(id: string, cursor: number, patch: Patch): void {
      const keys = Object.keys(patch).filter((k) => PATCHABLE.has(k));
      const sets = [...keys.map((k) => `${k} = @${k}`), 'cursor = @cursor'].join(', ');
      // One statement per set of columns (a handful exist), prepared once: every agent event updates its session.
      let stmt = updates.get(sets);
      if (!stmt) updates.set(sets, (stmt = db.prepare(`UPDATE sessions SET ${sets} WHERE id = @id`)));
      stmt.run({ ...patch, id, cursor });
    },
    /**
     * Settings changed what every session's availability is: stamp them so sync resends them. (A machine's
     * presence does not stamp its sessions: clients derive their availability from the machine record,
     * see `currentAvailability` in src/core/derived-availability.ts.)
     */
    touchAccount: (accountId: string, cursor: number): void => void s.touchAccount.run(cursor, accountId),
  };
}
export type SessionStore = ReturnType<typeof createSessionStore>;
