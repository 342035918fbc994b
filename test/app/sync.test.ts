// @vitest-environment node
// The list's data: painted from the cache before any network, caught up by cursor, and what each session's chip says.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { createApiClient } from '../../src/app/lib/api-client.ts';
import { openCache } from '../../src/app/lib/cache-db.ts';
import { groupSessions } from '../../src/app/stores/session-list.ts';
import { sessionStatus } from '../../src/app/stores/session-status.ts';
import { $machines, $sessions, $syncMeta, applySync, paintFromCache, syncNow } from '../../src/app/stores/sync.ts';
import type { SyncResponse } from '../../src/core/sync.ts';
import { createFakeApi } from './fake-api.ts';
import { machine, session } from './records.ts';

const settings = { disabledBackends: [], codexBackend: 'codex-app-server' as const };
const sync = (over: Partial<SyncResponse>): SyncResponse => ({ cursor: 1, next: null, serverTime: 5, sessions: [], machines: [], settings, removedSessionIds: [], ...over });

describe('sync store', () => {
  it('paints the last synced sessions from IndexedDB with no network, with the time they are "as of"', async () => {
    const db = await openCache('sync-paint');
    await applySync(db, sync({ cursor: 7, sessions: [session()], machines: [machine()] }), 42_000);
    $sessions.set({});
    await paintFromCache(db);
    expect(Object.keys($sessions.get())).toEqual(['S1']);
    expect($machines.get().laptop?.name).toBe('laptop');
    expect($syncMeta.get()).toMatchObject({ cursor: 7, syncedAt: 42_000 });
  });

  it('asks only for what changed since its cursor, and never lets an older record overwrite a newer one', async () => {
    const db = await openCache('sync-cursor');
    await applySync(db, sync({ cursor: 10, sessions: [session({ title: 'new', cursor: 10 })] }), 1);
    const fake = createFakeApi();
    fake.handle(() => ({ status: 200, body: sync({ cursor: 11, sessions: [session({ title: 'stale echo', cursor: 4 })] }) }));
    await syncNow(db, createApiClient({ server: 'http://laptop.test', token: 't', fetch: fake.fetch }), () => 2);
    expect(fake.calls[0]!.url).toBe('http://laptop.test/api/sync?since=10');
    expect($sessions.get().S1?.title).toBe('new');
    expect($syncMeta.get()?.cursor).toBe(11);
  });
  it('follows `next` page after page with the same `since`, keeping each page and the last page’s cursor', async () => {
    const db = await openCache('sync-pages');
    await applySync(db, sync({ cursor: 3 }), 1);
    const fake = createFakeApi();
    const pages: Record<string, SyncResponse> = {
      '': sync({ cursor: 4, next: '5.S2', sessions: [session({ id: 'S1', cursor: 5 }), session({ id: 'S2', cursor: 5 })], machines: [machine()] }),
      '5.S2': sync({ cursor: 5, next: '6.S3', sessions: [session({ id: 'S3', cursor: 6 })], machines: [machine()] }),
      '6.S3': sync({ cursor: 9, next: null, sessions: [session({ id: 'S1', cursor: 8, title: 'changed mid-walk' })], machines: [machine()] }),
    };
    fake.handle((req) => ({ status: 200, body: pages[new URL(req.url).searchParams.get('after') ?? '']! }));
    const last = await syncNow(db, createApiClient({ server: 'http://laptop.test', token: 't', fetch: fake.fetch }), () => 2);
    expect(fake.calls.map((c) => c.url)).toEqual([
      'http://laptop.test/api/sync?since=3',
      'http://laptop.test/api/sync?since=3&after=5.S2',
      'http://laptop.test/api/sync?since=3&after=6.S3',
    ]);
    expect(last.next).toBeNull();
    expect(Object.keys($sessions.get()).sort()).toEqual(['S1', 'S2', 'S3']);
    expect($sessions.get().S1?.title).toBe('changed mid-walk');
    expect($syncMeta.get()?.cursor).toBe(9);
  });

  it('keeps an interrupted walk’s progress: the next sync starts from the last page it stored', async () => {
    const db = await openCache('sync-pages-cut');
    const fake = createFakeApi();
    fake.handle((req) => (new URL(req.url).searchParams.has('after') ? 'network-down' : { status: 200, body: sync({ cursor: 4, next: '5.S2', sessions: [session({ id: 'S2', cursor: 5 })] }) }));
    await expect(syncNow(db, createApiClient({ server: 'http://laptop.test', token: 't', fetch: fake.fetch }))).rejects.toThrow();
    expect($sessions.get().S2).toBeDefined();
    fake.handle(() => ({ status: 200, body: sync({ cursor: 9 }) }));
    await syncNow(db, createApiClient({ server: 'http://laptop.test', token: 't', fetch: fake.fetch }));
    expect(fake.calls.at(-1)!.url).toBe('http://laptop.test/api/sync?since=4');
  });
});

describe('session status', () => {
  it('says what each availability means on the chip and the send button', () => {
    const now = 10 * 60_000;
    const live = sessionStatus(session({ status: 'active', availability: { state: 'live' } }), machine(), settings, true, now);
    expect([live.chip, live.canCompose, live.sendLabel]).toEqual(['live', true, 'Send']);
    const resumable = sessionStatus(session(), machine(), settings, true, now);
    expect([resumable.chip, resumable.canCompose, resumable.sendLabel]).toEqual(['inactive · resumable', true, 'Resume & send']);
    const archived = sessionStatus(session({ archived: true, availability: { state: 'blocked', reason: 'archived' } }), machine(), settings, true, now);
    expect([archived.chip, archived.canCompose, archived.block?.sentence]).toEqual(['blocked: archived', false, 'This session is archived, and archived sessions are never resumed.']);
  });

  it('when not live, re-evaluates availability on cached facts (a machine last seen offline blocks, with since when)', () => {
    const now = 60 * 60_000;
    const offlineMachine = machine({ online: false, lastSeenAt: now - 5 * 60_000 });
    // The record's availability said resumable when it was sent; the cached machine is now known offline.
    const s = sessionStatus(session({ availability: { state: 'resumable' } }), offlineMachine, settings, false, now);
    expect(s.chip).toBe('machine offline since 5 min ago');
    // The one block that clears by itself: a message can still be written, and waits for the machine.
    expect(s.canCompose).toBe(true);
    expect(s.block?.sentence).toBe('“laptop” is not connected (last seen 5 min ago).');
    // A backend disabled in cached settings blocks too.
    const d = sessionStatus(session(), machine(), { ...settings, disabledBackends: ['claude-stream'] }, false, now);
    expect(d.block?.reason).toBe('backend-disabled');
  });

  it('groups by machine, online machines first, newest activity first, with filters and search', () => {
    const sessions = [
      session({ id: 'a', machineId: 'dev', lastActivityAt: 5, title: 'Deploy' }),
      session({ id: 'b', lastActivityAt: 9, title: 'Fix login', status: 'active', availability: { state: 'live' } }),
      session({ id: 'c', lastActivityAt: 7, title: 'Old', archived: true }),
      session({ id: 'd', lastActivityAt: 8, title: 'Refactor' }),
    ];
    const machines = { laptop: machine(), dev: machine({ id: 'dev', name: 'dev box', online: false }) };
    const ids = (filter: 'all' | 'active' | 'inactive' | 'archived', query = '') =>
      groupSessions(sessions, machines, settings, { filter, query, fresh: true, now: 10 }).map((g) => [g.machineId, g.rows.map((r) => r.session.id)]);
    expect(ids('all')).toEqual([['laptop', ['b', 'd']], ['dev', ['a']]]);
    expect(ids('active')).toEqual([['laptop', ['b']]]);
    expect(ids('inactive')).toEqual([['laptop', ['d']], ['dev', ['a']]]);
    expect(ids('archived')).toEqual([['laptop', ['c']]]);
    expect(ids('all', 'dev box')).toEqual([['dev', ['a']]]);
  });
});

describe('session status when only the machine was resent', () => {
  it('re-evaluates a live sync’s session when its machine record is newer (the server sends the machine, not its sessions)', () => {
    const now = 60 * 60_000;
    const s = session({ cursor: 5, availability: { state: 'resumable' } });
    const gone = sessionStatus(s, machine({ online: false, lastSeenAt: now - 60_000, cursor: 9 }), settings, true, now);
    // Derived blocked (machine-offline), and the composer stays open: the message waits for the machine (held).
    expect(gone.availability).toMatchObject({ state: 'blocked', reason: 'machine-offline' });
    expect([gone.chip, gone.canCompose]).toEqual(['machine offline since 1 min ago', true]);
    // A machine record no newer than the session: the server's answer, evaluated after it, holds.
    const older = sessionStatus(session({ cursor: 9, availability: { state: 'blocked', reason: 'machine-offline', detail: 'laptop' } }), machine({ online: true, cursor: 5 }), settings, true, now);
    expect(older.availability).toEqual({ state: 'blocked', reason: 'machine-offline', detail: 'laptop' });
    // Back online (newer machine record): resumable again.
    const back = sessionStatus(session({ cursor: 5, availability: { state: 'blocked', reason: 'machine-offline', detail: 'laptop' } }), machine({ online: true, cursor: 12 }), settings, true, now);
    expect(back.availability).toEqual({ state: 'resumable' });
  });
});

describe('session status offline', () => {
  it('labels a session last known live as "was live" when what is shown is not live, and still lets the phone queue for it', () => {
    const s = sessionStatus(session({ status: 'active', availability: { state: 'live' } }), machine(), settings, false, 0);
    expect([s.chip, s.canCompose]).toEqual(['was live', true]);
  });
});
