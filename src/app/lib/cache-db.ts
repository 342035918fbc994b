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

const CACHE_VERSION = 1;

function upgradeCache(db: IDBPDatabase<CacheSchema>, oldVersion: number): void {
  if (oldVersion >= 1) return;
  db.createObjectStore('sessions', { keyPath: 'id' });
  db.createObjectStore('machines', { keyPath: 'id' });
  const messages = db.createObjectStore('messages', { keyPath: 'id' });
  messages.createIndex('bySessionSeq', ['sessionId', 'seq'], { unique: true });
  const outbox = db.createObjectStore('outbox', { keyPath: 'clientId' });
  outbox.createIndex('bySession', 'sessionId');
  outbox.createIndex('byOrder', 'order');
  db.createObjectStore('meta');
}

export function openCache(profileId: string): Promise<CacheDb> {
  return openDB<CacheSchema>(cacheDbName(profileId), CACHE_VERSION, { upgrade: (db, oldVersion) => upgradeCache(db, oldVersion) });
}

/**
 * Open a cache only if it exists already: a start-up guess (see early-start.ts) must never create a
 * database for a profile that is gone. Rejects when there is none. The connection gives way (closes)
 * when another wants to delete or upgrade the database; `onClose` says so.
 */
export function openExistingCache(profileId: string, onClose?: () => void): Promise<CacheDb> {
  let opened: CacheDb | null = null;
  const p = openDB<CacheSchema>(cacheDbName(profileId), CACHE_VERSION, {
    upgrade(db, oldVersion, _newVersion, tx) {
      // Aborting the upgrade of a database that did not exist leaves no database behind (the open then
      // rejects; the aborted transaction's own promise is not an error anyone waits for).
      if (oldVersion === 0) {
        tx.done.catch(() => {});
        tx.abort();
      } else upgradeCache(db, oldVersion);
    },
    blocking() {
      opened?.close();
      onClose?.();
    },
  });
  return p.then((db) => (opened = db));
}

/** What the sessions list paints from: everything it needs, read in one go. */
export interface CacheSnapshot {
  readonly sessions: SessionRecord[];
  readonly machines: MachineRecord[];
  readonly meta: SyncMeta | null;
}

export async function readCacheSnapshot(db: CacheDb): Promise<CacheSnapshot> {
  const tx = db.transaction(['sessions', 'machines', 'meta']);
  const [sessions, machines, meta] = await Promise.all([tx.objectStore('sessions').getAll(), tx.objectStore('machines').getAll(), tx.objectStore('meta').get('sync')]);
  return { sessions, machines, meta: meta ?? null };
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
