// GET /api/sync in pages: every changed session exactly once per walk (again only if it changed meanwhile), pages cut by
// count and by bytes, a safe cursor on every page; a machine going away sends one machine record, not its sessions.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LIMITS, currentAvailability, type SessionRecord, type SyncResponse } from '../../src/core/index.ts';
import { createApiClient } from '../../src/cli/lib/api-client.ts';
import { syncAll } from '../../src/cli/lib/sync-all.ts';
import { waitFor, type ScriptedMachine, type TestServer } from '../helpers/server-harness.ts';
import { inactiveSession, waitForSession, serverWithLaptop, stopServerWithLaptop } from './fixtures.ts';

let ts: TestServer;
let laptop: ScriptedMachine;

beforeEach(async () => ({ ts, laptop } = await serverWithLaptop()));
afterEach(() => stopServerWithLaptop(ts, laptop));

/** `n` direct sessions listed in one frame: one change, so all share one cursor (the hard case for paging). */
async function listDirect(n: number, cwd = (i: number) => `/work/p${i}`): Promise<void> {
  const before = (await ts.phone.route('sync', { query: { since: 0, limit: 1 } })).body.cursor as number;
  laptop.send({ type: 'direct-sessions', sessions: Array.from({ length: n }, (_, i) => ({ provider: 'claude', backend: 'claude-stream', vendorResumeId: `native-${i}`, cwd: cwd(i), title: `native ${i}`, updatedAt: i })) });
  await waitFor(async () => (await ts.phone.route('sync', { query: { since: before, limit: 1 } })).body.sessions.length > 0, 'the listing to be stored');
}

async function page(query: string): Promise<SyncResponse & { bytes: number }> {
  const res = await fetch(`${ts.url}/api/sync?${query}`, { headers: { authorization: `Bearer ${ts.phoneToken}`, 'accept-encoding': 'identity' } });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return { ...(JSON.parse(text) as SyncResponse), bytes: Buffer.byteLength(text) };
}

/** Follows `next` from `since` to the last page. */
async function walk(since: number, limit?: number, between?: (pageNo: number) => Promise<void>) {
  const pages: Array<SyncResponse & { bytes: number }> = [];
  let next: string | null = null;
  do {
    const p = await page(`since=${since}${next ? `&after=${encodeURIComponent(next)}` : ''}${limit ? `&limit=${limit}` : ''}`);
    pages.push(p);
    next = p.next;
    if (next) await between?.(pages.length);
  } while (next);
  return pages;
}

describe('sync pages', () => {
  it('walks sessions that share one cursor in pages of `limit`, each once, with a safe cursor on every page', async () => {
    await listDirect(7);
    const pages = await walk(0, 3);
    expect(pages.map((p) => p.sessions.length)).toEqual([3, 3, 1]);
    const ids = pages.flatMap((p) => p.sessions.map((s) => s.id));
    expect(new Set(ids).size).toBe(7);
    const shared = pages[0]!.sessions[0]!.cursor;
    expect(pages.flatMap((p) => p.sessions.map((s) => s.cursor))).toEqual(Array(7).fill(shared));
    // Unfinished pages keep only what is surely complete (below the shared cursor); the last one is the account's.
    expect(pages[0]!.cursor).toBe(shared - 1);
    expect(pages[0]!.next).toBe(`${shared}.${pages[0]!.sessions[2]!.id}`);
    expect(pages[2]!.next).toBeNull();
    expect(pages[2]!.cursor).toBe((await page('since=0')).cursor);
    // Machines and settings come on every page.
    for (const p of pages) expect(p.machines).toHaveLength(1);
  });

  it('sends a session changed during the walk again in a later page, and loses none', async () => {
    await listDirect(6);
    const first = (await page('since=0&limit=2')).sessions[0]!;
    const pages = await walk(0, 2, async (n) => {
      if (n === 1) expect((await ts.phone.route('editSession', { id: first.id, body: { title: 'renamed mid-walk' } })).status).toBe(200);
    });
    const seen = pages.flatMap((p) => p.sessions);
    expect(new Set(seen.map((s) => s.id)).size).toBe(6);
    const last = seen.filter((s) => s.id === first.id).at(-1)!;
    expect(last.title).toBe('renamed mid-walk');
    expect(seen.filter((s) => s.id === first.id)).toHaveLength(2);
  });

  it('cuts a page before its sessions pass LIMITS.syncPageBytes, so it stays under 256 kB uncompressed', async () => {
    // 120 sessions with 4 kB working directories: about 500 kB in all.
    await listDirect(120, (i) => `/work/${String(i).padStart(4, '0')}/${'d'.repeat(4_000)}`);
    const pages = await walk(0);
    expect(pages.length).toBeGreaterThan(2);
    for (const p of pages) expect(p.bytes).toBeLessThanOrEqual(256 * 1024);
    expect(Math.max(...pages.map((p) => p.bytes))).toBeGreaterThan(LIMITS.syncPageBytes - 8 * 1024);
    expect(new Set(pages.flatMap((p) => p.sessions.map((s) => s.id))).size).toBe(120);
    // The CLI's walk (`baton sessions`) follows the same pages to every session.
    const cli = await syncAll(createApiClient(ts.url, ts.phoneToken));
    expect(cli.sessions).toHaveLength(120);
    expect(cli.machines).toHaveLength(1);
  });

  it('refuses an `after` that is not a page’s `next`, and a limit out of range', async () => {
    for (const q of ['after=abc', 'after=12', 'after=1.a%20b', 'limit=0', `limit=${LIMITS.syncPageSessions + 1}`]) {
      // Raw: a malformed query is the point (the typed client would not write one).
      const res = await ts.phone.get(`/api/sync?since=0&${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.message).toMatch(/^invalid query/);
    }
  });

  it('an `after` older than `since` starts at `since` (nothing before it comes back)', async () => {
    await listDirect(3);
    const all = await page('since=0');
    expect((await page(`since=${all.cursor}&after=1.a`)).sessions).toEqual([]);
  });
});

describe('a machine going away', () => {
  it('sends one machine record, not its sessions; the client derives their availability from it', async () => {
    const s = await inactiveSession(ts, laptop);
    const full = await page('since=0');
    const cached = full.sessions.find((x) => x.id === s.id)! as SessionRecord;
    expect(cached.availability).toEqual({ state: 'resumable' });
    await laptop.disconnect();
    await waitForSession(ts, s.id, (x) => x.availability.state === 'blocked');
    const delta = await page(`since=${full.cursor}`);
    expect(delta.sessions).toEqual([]);
    expect(delta.machines).toHaveLength(1);
    expect(delta.machines[0]).toMatchObject({ online: false });
    // What the phone shows: the rule again on the cached session and the newer machine, as the server says now.
    const fresh = (await ts.phone.route('getSession', { id: s.id })).body.session as SessionRecord;
    expect(currentAvailability(cached, delta.machines[0], delta.settings)).toEqual(fresh.availability);
    expect(fresh.availability).toMatchObject({ state: 'blocked', reason: 'machine-offline' });

    // Back online: again one machine record, and the derived availability is resumable again.
    await laptop.connect();
    const back = await page(`since=${delta.cursor}`);
    expect(back.sessions).toEqual([]);
    expect(currentAvailability(cached, back.machines[0], back.settings)).toEqual({ state: 'resumable' });
  });
});
