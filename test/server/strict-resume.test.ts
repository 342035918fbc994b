// Strict resume over real HTTP and WebSocket: a message to an inactive session is delivered exactly once
// to the same vendor session after a verified resume, or fails closed with a typed reason.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type ScriptedMachine, type TestServer } from '../helpers/server-harness.ts';
import { inactiveSession, liveSession, messagesOf, userMessagesOf, waitForSession } from './fixtures.ts';

let ts: TestServer;
let laptop: ScriptedMachine;

beforeEach(async () => {
  ts = await startTestServer({ resumeTimeoutMs: 400 });
  laptop = ts.machine('laptop');
  await laptop.connect();
});
afterEach(async () => {
  await laptop.disconnect();
  await ts.stop();
});

const send = (sessionId: string, clientId: string, text: string) => ts.phone.route('sendMessage', { id: sessionId, body: { clientId, text } });

describe('a message to a live session', () => {
  it('goes straight to the agent, once, and follows accepted → delivered → answered', async () => {
    const s = await liveSession(ts, laptop);
    const res = await send(s.id, 'c1', 'hello');
    expect(res.status).toBe(202);
    expect(res.body.message).toMatchObject({ state: 'accepted', text: 'hello', clientId: 'c1', seq: 1 });
    const deliver = await laptop.next('deliver', (d) => d.messageId === res.body.message.id);
    expect(deliver).toMatchObject({ sessionId: s.id, text: 'hello' });
    laptop.ack(s.id, deliver.messageId);
    laptop.ack(s.id, deliver.messageId); // a repeated ack changes nothing
    laptop.event(s.id, 'e1', { kind: 'text', text: 'echo: hello' });
    laptop.event(s.id, 'e1', { kind: 'text', text: 'echo: hello' }); // re-sent after a reconnect: stored once
    laptop.event(s.id, 'e2', { kind: 'turn-end' });
    const messages = await waitFor(() => messagesOf(ts, s.id), (m) => m[0]?.state === 'answered');
    expect(messages.map((m) => [m.role, m.text, m.state])).toEqual([['user', 'hello', 'answered'], ['agent', 'echo: hello', null]]);
    expect(laptop.all('resume')).toHaveLength(0);
  });

  it('stores and delivers one message when the same clientId is posted twice', async () => {
    const s = await liveSession(ts, laptop);
    const first = await send(s.id, 'same', 'once');
    const second = await send(s.id, 'same', 'once');
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.body.message.id).toBe(first.body.message.id);
    await laptop.next('deliver', (d) => d.messageId === first.body.message.id);
    // Frames arrive in order: once the next message's deliver is here, a duplicate would have been too.
    const marker = await send(s.id, 'marker', 'after');
    await laptop.next('deliver', (d) => d.messageId === marker.body.message.id);
    expect(laptop.all('deliver').filter((d) => d.messageId === first.body.message.id)).toHaveLength(1);
    expect((await messagesOf(ts, s.id)).map((m) => m.clientId)).toEqual(['same', 'marker']);
  });
});

describe('a message to an inactive session', () => {
  it('resumes the same vendor session first and delivers after `resumed`, in order, once', async () => {
    const s = await inactiveSession(ts, laptop, 'vendor-abc');
    expect(s.availability).toEqual({ state: 'resumable' });

    const first = await send(s.id, 'c1', 'first');
    expect(first.status).toBe(202);
    expect(first.body.message.state).toBe('awaiting-resume');
    const resume = await laptop.next('resume');
    expect(resume).toMatchObject({ sessionId: s.id, vendorResumeId: 'vendor-abc', backend: 'claude-stream', cwd: '/work/app' });
    expect((await waitForSession(ts, s.id, (x) => x.availability.state === 'resuming')).lastResume?.state).toBe('pending');

    // Sent while resuming: joins the same attempt, no second resume.
    const second = await send(s.id, 'c2', 'second');
    expect(second.body.message.state).toBe('awaiting-resume');
    expect(laptop.all('deliver')).toHaveLength(0);

    laptop.resumed(resume.attemptId, s.id, 'vendor-abc');
    const d1 = await laptop.next('deliver');
    const d2 = await laptop.next('deliver');
    expect([d1.text, d2.text]).toEqual(['first', 'second']);
    laptop.ack(s.id, d1.messageId);
    laptop.ack(s.id, d2.messageId);
    laptop.resumed(resume.attemptId, s.id, 'vendor-abc'); // a re-reported result is applied once

    const live = await waitForSession(ts, s.id, (x) => x.status === 'active');
    expect(live.availability).toEqual({ state: 'live' });
    expect(live.lastResume).toMatchObject({ id: resume.attemptId, state: 'resumed', code: null });
    const messages = await waitFor(() => userMessagesOf(ts, s.id), (m) => m.every((x) => x.state === 'delivered'));
    expect(messages.map((m) => m.text)).toEqual(['first', 'second']);
    expect(laptop.all('resume')).toHaveLength(1);
    expect(laptop.all('deliver')).toHaveLength(2);
  });

  const failures = [
    { name: 'the vendor no longer has the session', code: 'vendor-not-found', act: (a: string, s: string) => laptop.resumeFailed(a, s, 'vendor-not-found', 'No conversation found') },
    { name: 'the daemon saw a different id', code: 'vendor-id-mismatch', act: (a: string, s: string) => laptop.resumeFailed(a, s, 'vendor-id-mismatch', 'got other') },
    // The server checks the id itself: a daemon claiming success with another id is still a fork.
    { name: 'the daemon reports success with another id', code: 'vendor-id-mismatch', act: (a: string, s: string) => laptop.resumed(a, s, 'some-other-id') },
    { name: 'nothing answers in time', code: 'timeout', act: () => {} },
    { name: 'the machine disconnects mid-resume', code: 'machine-disconnected', act: () => void laptop.terminate() },
  ] as const;

  for (const f of failures) {
    it(`fails closed with ${f.code} when ${f.name}: session inactive, message failed, nothing delivered`, async () => {
      const s = await inactiveSession(ts, laptop, 'vendor-abc');
      const sent = await send(s.id, 'c1', 'keep this text');
      const resume = await laptop.next('resume');
      f.act(resume.attemptId, s.id);
      const after = await waitForSession(ts, s.id, (x) => x.lastResume?.state === 'failed');
      expect(after.status).toBe('inactive');
      expect(after.lastResume).toMatchObject({ id: resume.attemptId, code: f.code });
      const [message] = await userMessagesOf(ts, s.id);
      expect(message).toMatchObject({ id: sent.body.message.id, state: 'failed', text: 'keep this text', failure: { code: f.code } });
      expect(laptop.all('deliver')).toHaveLength(0);
      if (f.name === 'the daemon reports success with another id') {
        expect(await laptop.next('stop')).toMatchObject({ sessionId: s.id });
      }
      const attempts = await ts.phone.route('listResumeAttempts', { id: s.id });
      expect(attempts.body.attempts).toEqual([expect.objectContaining({ state: 'failed', code: f.code })]);
    });
  }

  it('a success after the timeout makes the session live but does not deliver the timed-out message', async () => {
    const s = await inactiveSession(ts, laptop, 'vendor-abc');
    await send(s.id, 'c1', 'too late');
    const resume = await laptop.next('resume');
    await waitForSession(ts, s.id, (x) => x.lastResume?.code === 'timeout');
    laptop.resumed(resume.attemptId, s.id, 'vendor-abc');
    const live = await waitForSession(ts, s.id, (x) => x.status === 'active');
    expect(live.availability).toEqual({ state: 'live' });
    expect(live.lastResume).toMatchObject({ state: 'resumed-late', code: 'timeout' });
    const [message] = await userMessagesOf(ts, s.id);
    expect(message).toMatchObject({ state: 'failed', failure: { code: 'timeout' } });
    expect(laptop.all('deliver')).toHaveLength(0);
    // The user resends explicitly; the session is live now, so it goes straight in.
    const again = await send(s.id, 'c2', 'too late');
    expect(again.body.message.state).toBe('accepted');
    expect((await laptop.next('deliver')).messageId).toBe(again.body.message.id);
  });

  it('re-sends a pending resume with the same attempt id after the machine reconnects within the deadline', async () => {
    await ts.stop();
    ts = await startTestServer({ resumeTimeoutMs: 10_000 });
    laptop = ts.machine('laptop');
    await laptop.connect();
    const s = await inactiveSession(ts, laptop, 'vendor-abc');
    await send(s.id, 'c1', 'hi');
    const resume = await laptop.next('resume');
    // The daemon answered, but the answer never arrived; the machine reconnects on a new socket.
    const second = new (laptop.constructor as typeof import('../helpers/server-harness.ts').ScriptedMachine)(ts.url, laptop.token, laptop.machineId);
    await second.connect();
    expect(await laptop.waitClosed()).toBe(4409);
    expect(await second.next('resume')).toMatchObject({ attemptId: resume.attemptId });
    second.resumed(resume.attemptId, s.id, 'vendor-abc');
    expect((await second.next('deliver')).text).toBe('hi');
    laptop = second;
  });
});

async function waitFor<T>(get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`never happened: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
