// The per-server-profile IndexedDB cache (`baton-<profileId>`): sessions, machines, messages, outbox, sync meta.
import { deleteDB, openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { MachineRecord, MessageRecord, SessionRecord, SettingsRecord } from '../../core/records.ts';
import type { OutboxItem } from './outbox-item.ts';

/** What the last successful sync left behind; `syncedAt` is what "as of <time>" shows. */
export interface SyncMeta {
  readonly cursor: number;
  readonly syncedAt: number;
  readonly serverTime: number;
  readonly settings: SettingsRecord | null;
}

interface CacheSchema extends DBSchema {
  sessions: { key: string; value: SessionRecord };
  machines: { key: string; value: MachineRecord };
  messages: { key: string; value: MessageRecord; indexes: { bySessionSeq: [string, number] } };
  outbox: { key: string; value: OutboxItem; indexes: { bySession: string; byOrder: number } };
  meta: { key: string; value: SyncMeta };
}

export type CacheDb = IDBPDatabase<CacheSchema>;

export const cacheDbName = (profileId: string) => `baton-${profileId}`;

export function openCache(profileId: string): Promise<CacheDb> {
  return openDB<CacheSchema>(cacheDbName(profileId), 1, {
    upgrade(db) {
      db.createObjectStore('sessions', { keyPath: 'id' });
      db.createObjectStore('machines', { keyPath: 'id' });
      const messages = db.createObjectStore('messages', { keyPath: 'id' });
      messages.createIndex('bySessionSeq', ['sessionId', 'seq'], { unique: true });
      const outbox = db.createObjectStore('outbox', { keyPath: 'clientId' });
      outbox.createIndex('bySession', 'sessionId');
      outbox.createIndex('byOrder', 'order');
      db.createObjectStore('meta');
    },
  });
}

export function deleteCache(profileId: string): Promise<void> {
  return deleteDB(cacheDbName(profileId));
}

export async function readSyncMeta(db: CacheDb): Promise<SyncMeta | null> {
  return (await db.get('meta', 'sync')) ?? null;
}

/** Messages of one session with seq in [from, to], ascending. */
export async function readMessages(db: CacheDb, sessionId: string, from: number, to: number): Promise<MessageRecord[]> {
  return db.getAllFromIndex('messages', 'bySessionSeq', IDBKeyRange.bound([sessionId, from], [sessionId, to]));
}

/** The newest `limit` cached messages of a session, ascending by seq. */
export async function readLatestMessages(db: CacheDb, sessionId: string, limit: number): Promise<MessageRecord[]> {
  const out: MessageRecord[] = [];
  const range = IDBKeyRange.bound([sessionId, 0], [sessionId, Number.MAX_SAFE_INTEGER]);
  let cursor = await db.transaction('messages').store.index('bySessionSeq').openCursor(range, 'prev');
  while (cursor && out.length < limit) {
    out.push(cursor.value);
    cursor = await cursor.continue();
  }
  return out.reverse();
}

export async function writeMessages(db: CacheDb, messages: readonly MessageRecord[]): Promise<void> {
  if (messages.length === 0) return;
  const tx = db.transaction('messages', 'readwrite');
  // A message can change state (accepted → delivered): the newest `updatedAt` wins, never an older echo.
  await Promise.all(
    messages.map(async (m) => {
      const old = await tx.store.get(m.id);
      if (!old || old.updatedAt <= m.updatedAt) await tx.store.put(m);
    }),
  );
  await tx.done;
}
