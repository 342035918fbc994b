// Start-up overlap. Opening `baton-profiles` and then the active profile's cache, one after the other and only
// once the whole app has evaluated, was most of the offline start-up. So at the very top of the page (boot.ts)
// both databases start opening at once: the profiles database, and the cache of the profile that was active
// last time, named by a synchronous hint in localStorage that is rewritten whenever the active profile changes.
// The runtime takes the early cache only if the profiles database agrees; a wrong hint is closed and forgotten.
import { openExistingCache, readCacheSnapshot, type CacheDb, type CacheSnapshot } from './cache-db.ts';
import { openProfilesDb, type ProfilesDb } from './profiles-db.ts';

export const ACTIVE_HINT_KEY = 'baton-active-profile';

export interface EarlyCache {
  readonly profileId: string;
  readonly db: Promise<CacheDb>;
  /** The sessions, machines and sync meta, read right after opening. */
  readonly snapshot: Promise<CacheSnapshot>;
}

let early: EarlyCache | null = null;
let earlyProfiles: Promise<ProfilesDb> | null = null;

export function readActiveHint(): string | null {
  try {
    return globalThis.localStorage?.getItem(ACTIVE_HINT_KEY) ?? null;
  } catch {
    return null; // storage disabled: start-up just does not overlap
  }
}

export function writeActiveHint(profileId: string | null): void {
  // Writing costs a few ms on a slow phone, and every start-up confirms the same id: write changes only.
  if (readActiveHint() === profileId) return;
  try {
    if (profileId) globalThis.localStorage?.setItem(ACTIVE_HINT_KEY, profileId);
    else globalThis.localStorage?.removeItem(ACTIVE_HINT_KEY);
  } catch {
    // as above
  }
}

/** Called once, first thing: start opening the profiles database and the hinted cache. */
export function startEarly(): void {
  try {
    earlyProfiles ??= openProfilesDb();
    const profileId = readActiveHint();
    if (!profileId || early) return;
    // If another tab deletes or upgrades that cache before the runtime took it, drop it: a closed connection is no use.
    const db: Promise<CacheDb> = openExistingCache(profileId, () => {
      if (early?.db === db) early = null;
    });
    const snapshot = db.then(readCacheSnapshot);
    // A wrong hint is never awaited: its rejection (no such database) must not count as unhandled.
    snapshot.catch(() => {});
    early = { profileId, db, snapshot };
  } catch {
    // No IndexedDB at all (it throws at once): start-up goes the usual way and reports it there.
    earlyProfiles = null;
    early = null;
  }
}

/** The profiles database opened at start-up, once; later callers open their own. */
export function takeEarlyProfilesDb(): Promise<ProfilesDb> | null {
  const p = earlyProfiles;
  earlyProfiles = null;
  return p;
}

/**
 * The early cache, if it is `profileId`'s and opened fine; the caller then owns (and closes) the connection.
 * Any other early cache is closed and forgotten.
 */
export async function takeEarlyCache(profileId: string): Promise<{ db: CacheDb; snapshot: CacheSnapshot } | null> {
  const e = early;
  early = null;
  if (!e) return null;
  if (e.profileId !== profileId) {
    discard(e);
    return null;
  }
  try {
    const [db, snapshot] = await Promise.all([e.db, e.snapshot]);
    return { db, snapshot };
  } catch {
    discard(e);
    return null; // no such database yet (or it went away): open it the usual way
  }
}

/**
 * Settles once the early read of `profileId`'s cache is done, or after `latestMs`; at once when there is
 * no early read for it. Lets the first screen wait briefly for its rows, so they paint with the header.
 */
export function earlyReadSettled(profileId: string | null, latestMs: number): Promise<void> {
  if (!early || early.profileId !== profileId) return Promise.resolve();
  const read = early.snapshot.then(
    () => {},
    () => {},
  );
  return Promise.race([read, new Promise<void>((resolve) => setTimeout(resolve, latestMs))]);
}

/** The profiles database answered: an early cache for any other profile is the wrong guess. */
export function settleEarly(activeProfileId: string | null): void {
  if (early && early.profileId !== activeProfileId) {
    discard(early);
    early = null;
  }
}

function discard(e: EarlyCache): void {
  void e.db.then((db) => db.close()).catch(() => {});
}
