// Sessions, machines and settings of the active profile: painted from IndexedDB first, then caught up by cursor.
import { atom, map } from 'nanostores';
import type { MachineRecord, SessionRecord, SettingsRecord } from '../../core/records.ts';
import type { SyncResponse } from '../../core/sync.ts';
import type { ApiClient } from '../lib/api-client.ts';
import { readCacheSnapshot, readSyncMeta, type CacheDb, type CacheSnapshot, type SyncMeta } from '../lib/cache-db.ts';

export const $sessions = map<Record<string, SessionRecord>>({});
export const $machines = map<Record<string, MachineRecord>>({});
export const $settings = atom<SettingsRecord | null>(null);
/** The last successful sync; null when nothing was ever synced for this profile. */
export const $syncMeta = atom<SyncMeta | null>(null);
/**
 * Whether what is shown is live: the events socket is up and the catch-up after it succeeded. `revoked`: the server
 * refused this phone's token (its device was revoked); it stays so until the phone pairs again.
 */
export const $connection = atom<'live' | 'connecting' | 'offline' | 'revoked'>('offline');
/** True once the cache was read, so the list can tell "nothing yet" from "no sessions". */
export const $painted = atom(false);

export function resetSyncStores(): void {
  $sessions.set({});
  $machines.set({});
  $settings.set(null);
  $syncMeta.set(null);
  $painted.set(false);
  $connection.set('offline');
}

/** Show what the phone knew last time, before any network (`snapshot`: read already, at start-up). */
export async function paintFromCache(db: CacheDb, snapshot?: CacheSnapshot): Promise<void> {
  const { sessions, machines, meta } = snapshot ?? (await readCacheSnapshot(db));
  $sessions.set(Object.fromEntries(sessions.map((s) => [s.id, s])));
  $machines.set(Object.fromEntries(machines.map((m) => [m.id, m])));
  $syncMeta.set(meta);
  $settings.set(meta?.settings ?? null);
  $painted.set(true);
}

/** Store one sync page in the cache. Records only move forward by cursor. */
async function storeSyncPage(db: CacheDb, res: SyncResponse, now: number): Promise<void> {
  const tx = db.transaction(['sessions', 'machines', 'meta'], 'readwrite');
  const sessions = tx.objectStore('sessions');
  const machines = tx.objectStore('machines');
  for (const s of res.sessions) {
    const old = await sessions.get(s.id);
    if (!old || old.cursor <= s.cursor) await sessions.put(s);
  }
  for (const m of res.machines) {
    const old = await machines.get(m.id);
    if (!old || old.cursor <= m.cursor) await machines.put(m);
  }
  for (const id of res.removedSessionIds) await sessions.delete(id);
  // A page's cursor is safe to keep even if the walk stops here: everything up to it is stored.
  const meta: SyncMeta = { cursor: res.cursor, syncedAt: now, serverTime: res.serverTime, settings: res.settings };
  await tx.objectStore('meta').put(meta, 'sync');
  await tx.done;
}

/** Store a sync answer in the cache, then in the stores. */
export async function applySync(db: CacheDb, res: SyncResponse, now: number): Promise<void> {
  await storeSyncPage(db, res, now);
  await paintFromCache(db);
}

/** Pages one walk may take; far more than any account has (10,000 sessions are about 25). */
const MAX_PAGES = 10_000;

/**
 * `GET /api/sync?since=<cursor>`, page after page (`after=<next>`) until the last; the socket is only a
 * hint, this is the truth. Paints after the first page (a new phone shows sessions at once) and the last.
 */
export async function syncNow(db: CacheDb, api: ApiClient, now: () => number = Date.now): Promise<SyncResponse> {
  const meta = await readSyncMeta(db);
  const since = meta?.cursor ?? 0;
  let res = await api.call('sync', { query: { since } });
  await applySync(db, res, now());
  for (let page = 1; res.next && page < MAX_PAGES; page++) {
    res = await api.call('sync', { query: { since, after: res.next } });
    await storeSyncPage(db, res, now());
    if (!res.next) await paintFromCache(db);
  }
  return res;
}

/** Keep one session fresh after an action that returned it (archive, unarchive, takeover, rename). */
export async function putSession(db: CacheDb, session: SessionRecord): Promise<void> {
  await db.put('sessions', session);
  $sessions.setKey(session.id, session);
}

export async function putSettings(db: CacheDb, settings: SettingsRecord): Promise<void> {
  const meta = await readSyncMeta(db);
  if (meta) await db.put('meta', { ...meta, settings }, 'sync');
  $settings.set(settings);
}
