// Machines of an account and their presence (online, last seen) and reported capabilities.
import type { Db } from '../db/open-database.ts';
import type { MachineCapabilities, MachineRecord } from '../../core/index.ts';

export interface MachineRow {
  id: string;
  account_id: string;
  name: string;
  online: number;
  last_seen_at: number | null;
  capabilities: string | null;
  created_at: number;
  cursor: number;
}

export function createMachineStore(db: Db) {
  const s = {
    insert: db.prepare('INSERT INTO machines (id, account_id, name, created_at, cursor) VALUES (?, ?, ?, ?, ?)'),
    get: db.prepare<[string, string], MachineRow>('SELECT * FROM machines WHERE id = ? AND account_id = ?'),
    byId: db.prepare<[string], MachineRow>('SELECT * FROM machines WHERE id = ?'),
    all: db.prepare<[string], MachineRow>('SELECT * FROM machines WHERE account_id = ? ORDER BY created_at, id'),
    since: db.prepare<[string, number], MachineRow>('SELECT * FROM machines WHERE account_id = ? AND cursor > ? ORDER BY cursor, id'),
    online: db.prepare('UPDATE machines SET online = 1, name = ?, capabilities = ?, last_seen_at = ?, cursor = ? WHERE id = ?'),
    offline: db.prepare('UPDATE machines SET online = 0, last_seen_at = ?, cursor = ? WHERE id = ?'),
    capabilities: db.prepare('UPDATE machines SET capabilities = ?, cursor = ? WHERE id = ?'),
    allOffline: db.prepare<[], { id: string; account_id: string }>('SELECT id, account_id FROM machines WHERE online = 1'),
  };
  return {
    insert(id: string, accountId: string, name: string, now: number, cursor: number): void {
      s.insert.run(id, accountId, name, now, cursor);
    },
    get: (accountId: string, id: string): MachineRow | undefined => s.get.get(id, accountId),
    byId: (id: string): MachineRow | undefined => s.byId.get(id),
    all: (accountId: string): MachineRow[] => s.all.all(accountId),
    since: (accountId: string, cursor: number): MachineRow[] => s.since.all(accountId, cursor),
    markOnline(id: string, name: string, caps: MachineCapabilities, now: number, cursor: number): void {
      s.online.run(name, JSON.stringify(caps), now, cursor, id);
    },
    markOffline(id: string, lastSeenAt: number, cursor: number): void {
      s.offline.run(lastSeenAt, cursor, id);
    },
    setCapabilities(id: string, caps: MachineCapabilities, cursor: number): void {
      s.capabilities.run(JSON.stringify(caps), cursor, id);
    },
    /** Machines the database still thinks are online (after a restart no socket is connected). */
    staleOnline: (): { id: string; account_id: string }[] => s.allOffline.all(),
  };
}
export type MachineStore = ReturnType<typeof createMachineStore>;

export function toMachineRecord(row: MachineRow): MachineRecord {
  return {
    id: row.id,
    name: row.name,
    online: row.online === 1,
    lastSeenAt: row.last_seen_at,
    capabilities: row.capabilities === null ? null : (JSON.parse(row.capabilities) as MachineCapabilities),
    cursor: row.cursor,
  };
}
