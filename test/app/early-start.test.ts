// @vitest-environment node
// Start-up overlap: the hint naming the active profile is written on every change, used to open and read that
// profile's cache before the profiles database answers, and discarded (closed, never creating a database) when wrong.
import 'fake-indexeddb/auto';
import { deleteDB, openDB } from 'idb';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cacheDbName, openCache } from '../../src/app/lib/cache-db.ts';
import { ACTIVE_HINT_KEY, readActiveHint, startEarly, takeEarlyCache, writeActiveHint } from '../../src/app/lib/early-start.ts';
import { $activeProfileId, loadProfiles, pairServer, removeProfile, switchProfile } from '../../src/app/stores/profiles.ts';
import { $runtime, startProfile } from '../../src/app/stores/runtime.ts';
import { $painted, $sessions } from '../../src/app/stores/sync.ts';
import { createFakeApi } from './fake-api.ts';
import { session } from './records.ts';

class MemoryStorage {
  private readonly items = new Map<string, string>();
  getItem(k: string): string | null {
    return this.items.get(k) ?? null;
  }
  setItem(k: string, v: string): void {
    this.items.set(k, v);
  }
  removeItem(k: string): void {
    this.items.delete(k);
  }
}

beforeAll(() => {
  vi.stubGlobal('localStorage', new MemoryStorage());
});

let n = 0;
async function cacheWith(title: string): Promise<string> {
  const id = `early-${++n}`;
  const db = await openCache(id);
  await db.put('sessions', session({ title }));
  db.close();
  return id;
}

const exists = async (name: string) => (await indexedDB.databases()).some((d) => d.name === name);

/** Resolves true if deleting `name` had to wait for a connection still open (one that was not closed). */
async function deleteWasBlocked(name: string): Promise<boolean> {
  let blocked = false;
  const done = deleteDB(name, { blocked: () => (blocked = true) });
  await Promise.race([done, new Promise((r) => setTimeout(r, 50))]);
  return blocked;
}

function pairingApi(accountId: string) {
  const fake = createFakeApi();
  fake.handle((req) => (req.url.endsWith('/api/pair') ? { status: 201, body: { token: `tok-${accountId}`, accountId, deviceId: `dev-${accountId}` } } : undefined));
  return fake;
}

afterEach(async () => {
  // Leave no early cache behind for the next test.
  await takeEarlyCache('');
});

describe('start-up hint', () => {
  it('is written whenever the active profile changes: pairing, switching, removing', async () => {
    const a = await pairServer({ server: 'http://a.test', code: 'CODE-000A', deviceName: 'P', fetch: pairingApi('accA').fetch });
    expect(readActiveHint()).toBe(a.id);
    const b = await pairServer({ server: 'http://b.test', code: 'CODE-000B', deviceName: 'P', fetch: pairingApi('accB').fetch });
    expect(readActiveHint()).toBe(b.id);
    await switchProfile(a.id);
    expect(readActiveHint()).toBe(a.id);
    await removeProfile(a.id, { fetch: pairingApi('accA').fetch });
    expect($activeProfileId.get()).toBe(b.id);
    expect(readActiveHint()).toBe(b.id);
    await removeProfile(b.id, { fetch: pairingApi('accB').fetch });
    expect(readActiveHint()).toBeNull();
    expect(localStorage.getItem(ACTIVE_HINT_KEY)).toBeNull();
  });

  it('opens and reads the hinted cache at start-up; the matching profile takes it', async () => {
    const id = await cacheWith('from the early read');
    writeActiveHint(id);
    startEarly();
    const early = await takeEarlyCache(id);
    expect(early?.snapshot.sessions.map((s) => s.title)).toEqual(['from the early read']);
    // The taker owns a working connection.
    expect(await early!.db.count('sessions')).toBe(1);
    early!.db.close();
    // Taken once: a second runtime for the same profile opens its own.
    expect(await takeEarlyCache(id)).toBeNull();
  });

  it('a hint naming a cache that does not exist creates no database and is not used', async () => {
    writeActiveHint('gone-profile');
    startEarly();
    expect(await takeEarlyCache('gone-profile')).toBeNull();
    expect(await exists(cacheDbName('gone-profile'))).toBe(false);
  });

  it('is discarded, and its connection closed, when the profiles database names another active profile', async () => {
    const stale = await cacheWith('stale');
    writeActiveHint(stale);
    startEarly();
    // The profiles database answers: the paired profile is the active one, not the hinted cache.
    const p = await pairServer({ server: 'http://c.test', code: 'CODE-000C', deviceName: 'P', fetch: pairingApi('accC').fetch });
    await loadProfiles();
    expect(readActiveHint()).toBe(p.id);
    expect(await takeEarlyCache(stale)).toBeNull();
    expect(await deleteWasBlocked(cacheDbName(stale))).toBe(false);
    await removeProfile(p.id, { fetch: pairingApi('accC').fetch });
  });

  it('a profile other than the hinted one does not get the early cache (and it is closed)', async () => {
    const hinted = await cacheWith('hinted');
    writeActiveHint(hinted);
    startEarly();
    expect(await takeEarlyCache('someone-else')).toBeNull();
    expect(await deleteWasBlocked(cacheDbName(hinted))).toBe(false);
  });

  it('the early connection gives way when another deletes that cache', async () => {
    const id = await cacheWith('to delete');
    writeActiveHint(id);
    startEarly();
    await new Promise((r) => setTimeout(r, 10)); // let it open
    expect(await deleteWasBlocked(cacheDbName(id))).toBe(false);
    expect(await exists(cacheDbName(id))).toBe(false);
    expect(await takeEarlyCache(id)).toBeNull();
  });

  it('the runtime paints the list from the early read, not from a second read', async () => {
    const id = await cacheWith('early snapshot');
    writeActiveHint(id);
    startEarly();
    await new Promise((r) => setTimeout(r, 10)); // the early read is done
    // Changed after the early read: a runtime that read the cache again would show this title.
    const db = await openDB(cacheDbName(id));
    await db.put('sessions', session({ title: 'read later' }));
    db.close();

    class IdleSocket {
      static readonly OPEN = 1;
      readyState = 0;
      addEventListener(): void {}
      close(): void {}
    }
    vi.stubGlobal('WebSocket', IdleSocket);
    vi.stubGlobal('window', new EventTarget());
    vi.stubGlobal('document', Object.assign(new EventTarget(), { visibilityState: 'visible' }));
    try {
      const stop = startProfile({ id, name: 'Laptop', server: 'http://127.0.0.1:9', token: 't', accountId: 'a', deviceId: 'd', createdAt: 1 });
      await vi.waitFor(() => expect($painted.get()).toBe(true));
      expect(Object.values($sessions.get()).map((s) => s.title)).toEqual(['early snapshot']);
      expect($runtime.get()?.profile.id).toBe(id);
      stop();
    } finally {
      vi.unstubAllGlobals();
      vi.stubGlobal('localStorage', new MemoryStorage());
    }
  });
});
