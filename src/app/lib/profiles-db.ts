// The list of servers this phone has paired with (`baton-profiles`), kept apart from each server's own cache.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

export interface ServerProfile {
  readonly id: string;
  /** What the user calls it ("Laptop", "Dev box"). */
  readonly name: string;
  /** Normalized origin (+ path) of the Baton server, no trailing slash. */
  readonly server: string;
  readonly token: string;
  readonly accountId: string;
  readonly deviceId: string;
  readonly createdAt: number;
}

interface ProfilesSchema extends DBSchema {
  profiles: { key: string; value: ServerProfile };
  prefs: { key: string; value: string };
}

export type ProfilesDb = IDBPDatabase<ProfilesSchema>;

export function openProfilesDb(): Promise<ProfilesDb> {
  return openDB<ProfilesSchema>('baton-profiles', 1, {
    upgrade(db) {
      db.createObjectStore('profiles', { keyPath: 'id' });
      db.createObjectStore('prefs');
    },
  });
}
