// Every availability reason comes back from a send as 409 with its code, words and fix, and nothing is stored.
// This server holds nothing (holdMs 0), so machine-offline is refused too; held-messages.test.ts covers the hold.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlockReason } from '../../src/core/index.ts';
import { allCapabilities, startTestServer, type ScriptedMachine, type TestServer } from '../helpers/server-harness.ts';
import { dumpDatabase, inactiveSession, liveSession, waitForSession } from './fixtures.ts';

let ts: TestServer;
let laptop: ScriptedMachine;

beforeEach(async () => {
  ts = await startTestServer({ holdMs: 0 });
  laptop = ts.machine('laptop');
  await laptop.connect();
});
afterEach(async () => {
  await laptop.disconnect();
  await ts.stop();
});

/** Each case puts a session into the blocked state and returns its id. */
const cases: Record<BlockReason, () => Promise<string>> = {
  'not-managed': async () => {
    laptop.send({ type: 'direct-sessions', sessions: [{ provider: 'claude', backend: 'claude-stream', vendorResumeId: 'native-1', cwd: '/work/x', title: 'native', updatedAt: 1 }] });
    const sync = await waitForSync((b) => b.sessions.some((s: any) => s.vendorResumeId === 'native-1'));
    return sync.sessions.find((s: any) => s.vendorResumeId === 'native-1').id;
  },
  archived: async () => {
    const s = await inactiveSession(ts, laptop);
    expect((await ts.phone.route('archiveSession', { id: s.id })).status).toBe(200);
    return s.id;
  },
  'missing-resume-id': async () => {
    const res = await ts.phone.route('startSession', { body: { machineId: laptop.machineId, provider: 'claude', cwd: '/work/app' } });
    const start = await laptop.next('start');
    laptop.started(start.requestId, start.sessionId, 'not-yet-persisted');
    laptop.stopped(start.sessionId, 'crashed', 'died before its first turn');
    await waitForSession(ts, res.body.session.id, (s) => s.status === 'inactive' && s.vendorId !== null);
    return res.body.session.id;
  },
  'backend-unsupported': async () => (await inactiveSession(ts, laptop, 'thread-1', { provider: 'codex', backend: 'codex-mcp' })).id,
  'backend-disabled': async () => {
    const s = await inactiveSession(ts, laptop);
    expect((await ts.phone.route('updateSettings', { body: { disabledBackends: ['claude-stream'] } })).status).toBe(200);
    return s.id;
  },
  'dependency-missing': async () => {
    const s = await inactiveSession(ts, laptop);
    laptop.send({ type: 'capabilities', capabilities: { ...allCapabilities(), 'claude-stream': { installed: false, version: null, canResume: false, detail: 'claude is not on PATH' } } });
    await waitForSession(ts, s.id, (x) => x.availability.state === 'blocked');
    return s.id;
  },
  'machine-offline': async () => {
    const s = await inactiveSession(ts, laptop);
    await laptop.disconnect();
    await waitForSession(ts, s.id, (x) => x.availability.state === 'blocked');
    return s.id;
  },
};

async function waitForSync(ok: (body: any) => boolean) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await ts.phone.route('sync', { query: { since: 0 } });
    if (ok(res.body)) return res.body;
    if (Date.now() > deadline) throw new Error('sync never showed it');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('sending to a blocked session', () => {
  for (const [reason, setUp] of Object.entries(cases) as [BlockReason, () => Promise<string>][]) {
    it(`is refused with 409 ${reason}, a sentence and a fix, and stores nothing`, async () => {
      const id = await setUp();
      const session = (await ts.phone.route('getSession', { id })).body.session;
      expect(session.availability).toMatchObject({ state: 'blocked', reason });
      const before = dumpDatabase(ts.home);
      const res = await ts.phone.route('sendMessage', { id, body: { clientId: 'c-blocked', text: 'please' } });
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ kind: 'blocked', reason, availability: { state: 'blocked', reason } });
      expect(res.body.error.sentence.length).toBeGreaterThan(10);
      expect(res.body.error.fix.length).toBeGreaterThan(5);
      expect(dumpDatabase(ts.home)).toBe(before);
      expect(laptop.all('resume')).toHaveLength(0);
    });
  }

  // Regression: the sentence carried a raw ISO time ("last seen 2026-12-01T09:50:29.170Z"). The server sends
  // data and each client phrases it for people.
  it('says when an offline machine was last seen as data, never as an ISO string in the sentence', async () => {
    const s = await liveSession(ts, laptop);
    laptop.stopped(s.id);
    const before = Date.now();
    await laptop.disconnect();
    const res = await ts.phone.route('sendMessage', { id: s.id, body: { clientId: 'c1', text: 'hi' } });
    expect(res.body.error.sentence).toBe('“laptop” is not connected.');
    expect(JSON.stringify(res.body)).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/);
    expect(res.body.error.lastSeenAt).toBeGreaterThanOrEqual(before - 10_000);
    expect(res.body.error.lastSeenAt).toBeLessThanOrEqual(Date.now());
  });
});
