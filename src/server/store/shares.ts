// Read-only share links for one session: expiring, revocable, token stored hashed.
import type { Db } from '../db/open-database.ts';
import type { ShareRecord } from '../../core/index.ts';

export interface ShareRow {
  id: string;
  account_id: string;
  session_id: string;
  token_hash: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  /** The device that made it (null for links made before migration 14). */
  created_by: string | null;
}

export function createShareStore(db: Db) {
  const s = {
    insert: db.prepare('INSERT INTO shares (id, account_id, session_id, token_hash, created_at, expires_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    madeBy: db.prepare<[string], { id: string }>('SELECT id FROM shares WHERE created_by = ? AND revoked_at IS NULL'),
    revokeMadeBy: db.prepare('UPDATE shares SET revoked_at = ? WHERE created_by = ? AND revoked_at IS NULL'),
    byHash: db.prepare<[string], ShareRow>('SELECT * FROM shares WHERE token_hash = ?'),
    get: db.prepare<[string, string], ShareRow>('SELECT * FROM shares WHERE id = ? AND account_id = ?'),
    ofSession: db.prepare<[string], ShareRow>('SELECT * FROM shares WHERE session_id = ? ORDER BY created_at, id'),
    revoke: db.prepare('UPDATE shares SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
  };
  return {
    insert(row: Omit<ShareRow, 'revoked_at'>): void {
      s.insert.run(row.id, row.account_id, row.session_id, row.token_hash, row.created_at, row.expires_at, row.created_by);
    },
    /** Revokes every live link a device made (the device itself was revoked); returns their ids. */
    revokeMadeBy(deviceId: string, now: number): string[] {
      const ids = s.madeBy.all(deviceId).map((r) => r.id);
      if (ids.length > 0) s.revokeMadeBy.run(now, deviceId);
      return ids;
    },
    byTokenHash: (hash: string): ShareRow | undefined => s.byHash.get(hash),
    get: (accountId: string, id: string): ShareRow | undefined => s.get.get(id, accountId),
    ofSession: (sessionId: string): ShareRow[] => s.ofSession.all(sessionId),
    revoke: (id: string, now: number): boolean => s.revoke.run(now, id).changes > 0,
  };
}
export type ShareStore = ReturnType<typeof createShareStore>;

export function isShareUsable(row: ShareRow, now: number): boolean {
  return row.revoked_at === null && row.expires_at > now;
}

export function toShareRecord(row: ShareRow): ShareRecord {
  return { id: row.id, sessionId: row.session_id, expiresAt: row.expires_at, revoked: row.revoked_at !== null, createdAt: row.created_at };
}
