// The server tells a daemon it may forget archived sessions; direct sessions gone from their vendor's
// store leave the list (sync names them in removedSessionIds); a direct session's history is read on its
// machine through the server, with typed refusals when that cannot happen.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type ScriptedMachine, type TestServer } from '../helpers/server-harness.ts';
import { inactiveSession, liveSession, waitForSession } from './fixtures.ts';

let ts: TestServer;
let laptop: ScriptedMachine;
beforeEach(async () => {
  ts = await startTestServer();
  laptop = ts.machine('laptop');
});
afterEach(async () => {
  await laptop.disconnect();
  await ts.stop();
});

const direct = (vendorResumeId: string, backend = 'claude-stream', provider = 'claude') =>
  ({ provider, backend, vendorResumeId, cwd: '/work/x', title: `native ${vendorResumeId}`, updatedAt: 1 });
const syncSince = async (cursor: number) => (await ts.phone.route('sync', { query: { since: cursor } })).body;
async function directIds(): Promise<Map<string, string>> {
  const sync = await syncSince(0);
  return new Map(sync.sessions.filter((s: any) => !s.managed).map((s: any) => [s.vendorResumeId, s.id]));
}

describe('forget', () => {
  beforeEach(() => laptop.connect());

  it('archiving an idle session tells its daemon to forget it; an archived session stopping does too', async () => {
    const idle = await inactiveSession(ts, laptop, 'v-idle');
    await ts.phone.route('archiveSession', { id: idle.id });
    expect(await laptop.next('forget', (f) => f.sessionId === idle.id)).toBeTruthy();

    const live = await liveSession(ts, laptop, 'v-live');
    await ts.phone.route('archiveSession', { id: live.id });
    await laptop.next('stop', (f) => f.sessionId === live.id);
    expect(laptop.all('forget').some((f) => f.sessionId === live.id)).toBe(false); // not while its agent runs
    laptop.stopped(live.id, 'requested');
    expect(await laptop.next('forget', (f) => f.sessionId === live.id)).toBeTruthy();
  });

  it('a hello that still reports an archived idle session is answered with forget (archived while the machine was away)', async () => {
    const s = await inactiveSession(ts, laptop, 'v-away');
    await laptop.disconnect();
    await ts.phone.route('archiveSession', { id: s.id });
    await laptop.connect({ sessions: [{ sessionId: s.id, vendorResumeId: 'v-away', running: false }] });
    expect(await laptop.next('forget', (f) => f.sessionId === s.id)).toBeTruthy();
  });
});

describe('direct sessions', () => {
  beforeEach(() => laptop.connect());

  it('one gone from a completely listed backend leaves the list, and sync says which; others stay', async () => {
    laptop.send({ type: 'direct-sessions', sessions: [direct('d1'), direct('d2'), direct('c1', 'codex-app-server', 'codex')], complete: ['claude-stream', 'codex-app-server'] });
    const before = await waitFor(async () => ((await directIds()).size === 3 ? directIds() : null));
    const cursor = (await syncSince(0)).cursor;
    // d2 was deleted in Claude's store; the Codex listing failed this time (not complete): c1 stays.
    laptop.send({ type: 'direct-sessions', sessions: [direct('d1')], complete: ['claude-stream'] });
    const after = await waitFor(async () => ((await directIds()).size === 2 ? directIds() : null));
    expect([...after.keys()].sort()).toEqual(['c1', 'd1']);
    expect(after.get('d1')).toBe(before.get('d1')); // the same record, not a new one
    const sync = await syncSince(cursor);
    expect(sync.removedSessionIds).toEqual([before.get('d2')]);
    expect((await ts.phone.route('getSession', { id: before.get('d2')! })).status).toBe(404);
    // A daemon that does not say what is complete (an older release) removes nothing.
    laptop.send({ type: 'direct-sessions', sessions: [] });
    laptop.send({ type: 'direct-sessions', sessions: [direct('d1'), direct('x9')], complete: ['claude-stream'] });
    await waitFor(async () => (await directIds()).has('x9'));
    expect((await directIds()).has('c1')).toBe(true);
  });

  it('a taken-over session is never removed, even when its vendor no longer lists it', async () => {
    laptop.send({ type: 'direct-sessions', sessions: [direct('d1')], complete: ['claude-stream'] });
    const id = (await waitFor(async () => (await directIds()).get('d1')))!;
    expect((await ts.phone.route('takeOverSession', { id })).status).toBe(200);
    laptop.send({ type: 'direct-sessions', sessions: [], complete: ['claude-stream'] });
    laptop.heartbeat();
    await new Promise((r) => setTimeout(r, 100));
    expect((await ts.phone.route('getSession', { id })).body.session).toMatchObject({ managed: true, vendorResumeId: 'd1' });
  });
});

describe('history', () => {
  it('reads a page on the owning machine and passes its answer on', async () => {
    const page = { entries: [{ index: 4, role: 'user', text: 'earlier question', truncated: false, at: 1 }], hasOlder: true };
    const asked: unknown[] = [];
    await laptop.connect({ history: (req) => (asked.push(req), { ok: true, page }) });
    laptop.send({ type: 'direct-sessions', sessions: [direct('d1')], complete: ['claude-stream'] });
    const id = (await waitFor(async () => (await directIds()).get('d1')))!;
    const res = await ts.phone.route('readHistory', { id, query: { before: 5, limit: 1 } });
    expect(res).toMatchObject({ status: 200, body: page });
    expect(asked).toEqual([expect.objectContaining({ type: 'history-request', sessionId: id, backend: 'claude-stream', vendorId: 'd1', cwd: '/work/x', before: 5, limit: 1 })]);
  });

  it('refuses typed: machine offline 503, vendor lost it 404, silent machine 503 after the deadline, bad query 400', async () => {
    await laptop.connect({ history: () => ({ ok: false, code: 'vendor-not-found', detail: 'no transcript' }) });
    laptop.send({ type: 'direct-sessions', sessions: [direct('d1')], complete: ['claude-stream'] });
    const id = (await waitFor(async () => (await directIds()).get('d1')))!;
    expect(await ts.phone.route('readHistory', { id })).toMatchObject({ status: 404, body: { error: { kind: 'not-found' } } });
    expect(await ts.phone.route('readHistory', { id, query: { limit: 500 } })).toMatchObject({ status: 400 });
    await laptop.disconnect();
    await waitForSession(ts, id, () => true);
    expect(await ts.phone.route('readHistory', { id })).toMatchObject({ status: 503, body: { error: { kind: 'unavailable', message: expect.stringContaining('not connected') } } });
    // Connected but never answering: the request fails when the machine's socket closes, not never.
    await laptop.connect();
    const pending = ts.phone.route('readHistory', { id });
    await laptop.next('history-request');
    await laptop.terminate();
    expect(await pending).toMatchObject({ status: 503, body: { error: { kind: 'unavailable' } } });
  });
});

async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
