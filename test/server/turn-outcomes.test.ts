// Turns that end without answering, and vendor retries: the phone sees each, typed, and nothing is marked answered that was not.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor, type ScriptedMachine, type TestServer } from '../helpers/server-harness.ts';
import { liveSession, waitForSession, serverWithLaptop, stopServerWithLaptop } from './fixtures.ts';

let ts: TestServer;
let laptop: ScriptedMachine;

beforeEach(async () => ({ ts, laptop } = await serverWithLaptop()));
afterEach(() => stopServerWithLaptop(ts, laptop));

async function deliveredMessage(sessionId: string, clientId: string) {
  const sent = (await ts.phone.route('sendMessage', { id: sessionId, body: { clientId, text: 'fix the login bug' } })).body.message;
  laptop.ack(sessionId, sent.id);
  await waitFor(async () => (await message(sessionId, sent.id)).state === 'delivered', 'delivered');
  return sent;
}

async function message(sessionId: string, id: string) {
  const page = (await ts.phone.route('listMessages', { id: sessionId, query: { after: 0 } })).body;
  return page.messages.find((m: { id: string }) => m.id === id);
}

describe('a turn that ends without an answer', () => {
  it('leaves its message unanswered with the typed reason, never answered', async () => {
    const s = await liveSession(ts, laptop);
    const sent = await deliveredMessage(s.id, 'c-auth');
    laptop.event(s.id, 'e-end', { kind: 'turn-end', failure: { code: 'auth-failed', detail: 'Not logged in · Please run /login' } });
    const m = await waitFor(async () => {
      const r = await message(s.id, sent.id);
      return r.state === 'unanswered' ? r : null;
    }, 'unanswered');
    expect(m.failure).toEqual({ code: 'auth-failed', detail: 'Not logged in · Please run /login' });
    // A later, successful turn of the same agent does not rewrite history.
    laptop.event(s.id, 'e-end-2', { kind: 'turn-end' });
    const next = await deliveredMessage(s.id, 'c-next');
    laptop.event(s.id, 'e-end-3', { kind: 'turn-end' });
    await waitFor(async () => (await message(s.id, next.id)).state === 'answered', 'next answered');
    expect((await message(s.id, sent.id)).state).toBe('unanswered');
  });

  it('marks an interrupted turn interrupted', async () => {
    const s = await liveSession(ts, laptop);
    const sent = await deliveredMessage(s.id, 'c-int');
    laptop.event(s.id, 'e-int', { kind: 'turn-end', failure: { code: 'interrupted', detail: '' } });
    await waitFor(async () => (await message(s.id, sent.id)).failure?.code === 'interrupted', 'interrupted');
  });
});

describe('a turn whose agent went away', () => {
  // Seen with the real Claude Code under `baton up`: a message the agent took, then Stop (or a crash, or a daemon
  // restart) mid-turn, stayed `delivered` for ever — the phone showed "the agent is working" on an idle session.
  it('ends unanswered with turn-lost when the agent stops mid-turn, and no later turn end answers it', async () => {
    const s = await liveSession(ts, laptop);
    const sent = await deliveredMessage(s.id, 'c-lost');
    laptop.stopped(s.id, 'requested');
    const m = await waitFor(async () => {
      const r = await message(s.id, sent.id);
      return r.state === 'unanswered' ? r : null;
    }, 'unanswered after the stop');
    expect(m.failure).toMatchObject({ code: 'turn-lost' });
    laptop.event(s.id, 'e-late', { kind: 'turn-end' });
    await waitFor(async () => (await ts.phone.route('getSession', { id: s.id })).body.session.status === 'inactive', 'inactive');
    expect((await message(s.id, sent.id)).state).toBe('unanswered');
  });

  it('ends unanswered with turn-lost when its machine reconnects with the agent gone', async () => {
    const s = await liveSession(ts, laptop);
    const sent = await deliveredMessage(s.id, 'c-gone');
    await laptop.disconnect();
    await laptop.connect({ sessions: [{ sessionId: s.id, vendorResumeId: s.vendorResumeId ?? 'v', running: false }] });
    const m = await waitFor(async () => {
      const r = await message(s.id, sent.id);
      return r.state === 'unanswered' ? r : null;
    }, 'unanswered after the reconnect');
    expect(m.failure?.code).toBe('turn-lost');
  });
});

describe('vendor retries', () => {
  it('show on the session as an updating notice, cleared when the agent moves on', async () => {
    const s = await liveSession(ts, laptop);
    await deliveredMessage(s.id, 'c-retry');
    laptop.event(s.id, 'r1', { kind: 'retry', attempt: 1, maxAttempts: 10, detail: 'overloaded', retryInMs: 502 });
    await waitForSession(ts, s.id, (x) => x.agentRetry?.attempt === 1);
    laptop.event(s.id, 'r3', { kind: 'retry', attempt: 3, maxAttempts: 10, detail: 'overloaded', retryInMs: 2000 });
    const retrying = await waitForSession(ts, s.id, (x) => x.agentRetry?.attempt === 3);
    expect(retrying.agentRetry).toMatchObject({ attempt: 3, maxAttempts: 10, detail: 'overloaded', retryInMs: 2000 });
    laptop.event(s.id, 't1', { kind: 'text', text: 'Looking at login.ts' });
    await waitForSession(ts, s.id, (x) => x.agentRetry === null);
  });

  it('are cleared when the agent stops', async () => {
    const s = await liveSession(ts, laptop);
    laptop.event(s.id, 'r1', { kind: 'retry', attempt: 2, maxAttempts: null, detail: 'Reconnecting... waiting for network', retryInMs: null });
    await waitForSession(ts, s.id, (x) => x.agentRetry?.attempt === 2);
    laptop.send({ type: 'stopped', sessionId: s.id, reason: 'crashed', detail: 'exit code 1' });
    await waitForSession(ts, s.id, (x) => x.status === 'inactive' && x.agentRetry === null);
  });
});
