// Held messages: a send to a session whose machine is offline waits on the server and goes through the normal
// strict resume when the machine says hello — once, in order, never forked; a final refusal or the user ends it.
import { afterEach, describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../src/core/index.ts';
import { allCapabilities, apiClient, openPhoneSocket, ScriptedMachine, startTestServer, tempHome, waitFor, type TestServer } from '../helpers/server-harness.ts';
import { startServer } from '../../src/server/index.ts';
import { inactiveSession, liveSession, userMessagesOf, waitForSession } from './fixtures.ts';
import { databaseFor } from '../helpers/test-database.ts';

let ts: TestServer | null = null;
afterEach(async () => {
  await ts?.stop();
  ts = null;
});

const key = (text: string) => `c-${text.replace(/[^a-z0-9]+/gi, '-')}`;
/** Sends `text` with a client id made from it (so a test can find it again by its text). */
const send = (t: TestServer, sessionId: string, text: string) => t.phone.route('sendMessage', { id: sessionId, body: { clientId: key(text), text } });
const messageIn = async (t: TestServer, sessionId: string, text: string, ok: (m: MessageRecord) => boolean = () => true) =>
  waitFor(async () => (await userMessagesOf(t, sessionId)).find((m) => m.text === text && ok(m)), `message “${text}”`);

/** An inactive, resumable session whose machine then went away. */
async function offlineSession(t: TestServer, laptop: ScriptedMachine, vendorId = 'vendor-1') {
  const s = await inactiveSession(t, laptop, vendorId);
  await laptop.disconnect();
  await waitForSession(t, s.id, (x) => x.availability.state === 'blocked');
  return s;
}

describe('a message for an offline machine', () => {
  // Regression (issue 17): a message queued on the phone while the server was down was sent in the second after
  // `baton up` restarted, before its machine had reconnected; the server refused it (409 machine-offline) and the
  // phone showed it failed for good. Now the server holds it and the machine's hello sends it, exactly once.
  it('sent in the restart window — server back, machine not yet — is held, then delivered exactly once through a strict resume', async () => {
    const home = tempHome();
    ts = await startTestServer({ home });
    let laptop = ts.machine('laptop');
    await laptop.connect();
    const s = await inactiveSession(ts, laptop, 'vendor-r');
    await laptop.disconnect();
    // `baton up` restarts: the server comes back on the same home; the daemon has not reconnected yet.
    const { phoneToken } = ts;
    await ts.server.stop();
    const again = await startServer({ home, ...databaseFor(home), port: 0, resumeTimeoutMs: 5_000, log: () => {} });
    const phone = apiClient(again.url, phoneToken);
    ts = { ...ts, url: again.url, server: again, phone, stop: async () => void (await again.stop()) };

    const held = await phone.route('sendMessage', { id: s.id, body: { clientId: 'c-window', text: 'sent from the train' } });
    expect(held.status).toBe(202);
    expect(held.body.message).toMatchObject({ state: 'held', text: 'sent from the train' });
    expect(held.body.message.heldUntil).toBeGreaterThan(Date.now());
    // The phone's outbox retries with the same client id: the same held message, not a second one.
    const retried = await phone.route('sendMessage', { id: s.id, body: { clientId: 'c-window', text: 'sent from the train' } });
    expect([retried.status, retried.body.message.id]).toEqual([200, held.body.message.id]);

    laptop = new ScriptedMachine(again.url, laptop.token, laptop.machineId);
    await laptop.connect({ sessions: [{ sessionId: s.id, vendorResumeId: 'vendor-r', running: false }] });
    const resume = await laptop.next('resume');
    expect(resume).toMatchObject({ sessionId: s.id, vendorResumeId: 'vendor-r' });
    await messageIn(ts, s.id, 'sent from the train', (m) => m.state === 'awaiting-resume');
    laptop.resumed(resume.attemptId, s.id, 'vendor-r');
    const deliver = await laptop.next('deliver');
    expect(deliver).toMatchObject({ sessionId: s.id, messageId: held.body.message.id, text: 'sent from the train' });
    laptop.ack(s.id, deliver.messageId);
    await messageIn(ts, s.id, 'sent from the train', (m) => m.state === 'delivered');

    // A second hello (a reconnect) sends nothing again: held once, released once.
    await laptop.disconnect();
    await laptop.connect({ sessions: [{ sessionId: s.id, vendorResumeId: 'vendor-r', running: true }] });
    laptop.heartbeat();
    await waitForSession(ts, s.id, (x) => x.availability.state === 'live');
    expect(laptop.all('deliver').filter((d) => d.messageId === held.body.message.id)).toHaveLength(0);
    expect(laptop.all('resume')).toHaveLength(0);
    expect(await userMessagesOf(ts, s.id)).toHaveLength(1);
    await laptop.disconnect();
  });

  it('keeps several held messages in order behind one resume attempt, and tells the phone each step', async () => {
    ts = await startTestServer();
    const laptop = ts.machine('laptop');
    await laptop.connect();
    const s = await offlineSession(ts, laptop);
    const socket = await openPhoneSocket(ts.url, { token: ts.phoneToken });
    await socket.next('welcome');
    expect((await send(ts, s.id, 'a')).body.message.state).toBe('held');
    expect((await send(ts, s.id, 'b')).body.message.state).toBe('held');
    expect((await socket.next('message', (f) => f.message.text === 'a')).message).toMatchObject({ state: 'held', heldUntil: expect.any(Number) });

    await laptop.connect();
    const resume = await laptop.next('resume');
    laptop.resumed(resume.attemptId, s.id, 'vendor-1');
    const first = await laptop.next('deliver');
    const second = await laptop.next('deliver');
    expect([first.text, second.text]).toEqual(['a', 'b']);
    expect(laptop.all('resume')).toHaveLength(1);
    await socket.next('message', (f) => f.message.text === 'b' && f.message.state === 'accepted');
    socket.close();
    await laptop.disconnect();
  });

  it('goes straight to the agent when the machine comes back with it still running (no resume)', async () => {
    ts = await startTestServer();
    const laptop = ts.machine('laptop');
    await laptop.connect();
    const s = await liveSession(ts, laptop, 'vendor-live');
    await laptop.terminate();
    await waitForSession(ts, s.id, (x) => x.availability.state === 'blocked');
    const res = await send(ts, s.id, 'still there?');
    expect(res.body).toMatchObject({ message: { state: 'held' } });
    await laptop.connect({ sessions: [{ sessionId: s.id, vendorResumeId: 'vendor-live', running: true }] });
    const deliver = await laptop.next('deliver');
    expect(deliver.text).toBe('still there?');
    expect(laptop.all('resume')).toHaveLength(0);
    await laptop.disconnect();
  });

  it('fails with the resume’s reason when the strict resume fails: nothing new is started', async () => {
    ts = await startTestServer();
    const laptop = ts.machine('laptop');
    await laptop.connect();
    const s = await offlineSession(ts, laptop);
    await send(ts, s.id, 'x');
    await laptop.connect();
    const resume = await laptop.next('resume');
    laptop.resumeFailed(resume.attemptId, s.id, 'vendor-not-found', 'no conversation found');
    const m = await messageIn(ts, s.id, 'x', (x) => x.state === 'failed');
    expect(m.failure?.code).toBe('vendor-not-found');
    expect(laptop.all('start')).toHaveLength(0);
    expect(laptop.all('deliver')).toHaveLength(0);
    await laptop.disconnect();
  });

  it('ends at once when the session is archived or its backend disabled while it waits (final refusals)', async () => {
    ts = await startTestServer();
    const laptop = ts.machine('laptop');
    await laptop.connect();
    const a = await inactiveSession(ts, laptop, 'vendor-a');
    const b = await inactiveSession(ts, laptop, 'vendor-b', { provider: 'codex' });
    await laptop.disconnect();
    await waitForSession(ts, b.id, (x) => x.availability.state === 'blocked');
    await send(ts, a.id, 'for a');
    await send(ts, b.id, 'for b');
    expect((await ts.phone.route('archiveSession', { id: a.id })).status).toBe(200);
    expect((await messageIn(ts, a.id, 'for a')).failure?.code).toBe('archived');
    expect((await ts.phone.route('updateSettings', { body: { disabledBackends: ['codex-app-server'] } })).status).toBe(200);
    expect((await messageIn(ts, b.id, 'for b')).failure?.code).toBe('backend-disabled');
    // The machine's return resumes nothing.
    await laptop.connect();
    laptop.heartbeat();
    await waitFor(async () => (await ts!.phone.route('listMachines')).body.machines[0].online, 'machine online');
    expect(laptop.all('resume')).toHaveLength(0);
    await laptop.disconnect();
  });

  it('fails as dependency-missing when the machine comes back without the CLI', async () => {
    ts = await startTestServer();
    const laptop = ts.machine('laptop');
    await laptop.connect();
    const s = await offlineSession(ts, laptop);
    await send(ts, s.id, 'x');
    await laptop.connect({ capabilities: { ...allCapabilities(), 'claude-stream': { installed: false, version: null, canResume: false, detail: 'claude is not on PATH' } } });
    expect((await messageIn(ts, s.id, 'x', (m) => m.state === 'failed')).failure?.code).toBe('dependency-missing');
    expect(laptop.all('resume')).toHaveLength(0);
    await laptop.disconnect();
  });

  it('can be called off by the user while it waits, and then nothing is sent', async () => {
    ts = await startTestServer();
    const laptop = ts.machine('laptop');
    await laptop.connect();
    const s = await offlineSession(ts, laptop);
    const sent = await send(ts, s.id, 'never mind');
    expect(sent.body).toMatchObject({ message: { state: 'held' } });
    const held = sent.body.message as MessageRecord;
    const cancelled = await ts.phone.route('cancelMessage', { id: s.id, messageId: held.id });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.message).toMatchObject({ state: 'failed', failure: { code: 'cancelled' } });
    expect(cancelled.body.message.heldUntil).toBeUndefined();
    // Twice, or someone else's id: refused, nothing changes.
    expect((await ts.phone.route('cancelMessage', { id: s.id, messageId: held.id })).status).toBe(409);
    expect((await ts.phone.route('cancelMessage', { id: s.id, messageId: 'msg_nope' })).status).toBe(404);
    await laptop.connect();
    laptop.heartbeat();
    await waitForSession(ts, s.id, (x) => x.availability.state === 'resumable');
    expect(laptop.all('resume')).toHaveLength(0);
    expect(laptop.all('deliver')).toHaveLength(0);
    await laptop.disconnect();
  });

  it('cannot be called off once its machine took it', async () => {
    ts = await startTestServer();
    const laptop = ts.machine('laptop');
    await laptop.connect();
    const s = await offlineSession(ts, laptop);
    const held = (await send(ts, s.id, 'go')).body.message as MessageRecord;
    await laptop.connect();
    await laptop.next('resume');
    const res = await ts.phone.route('cancelMessage', { id: s.id, messageId: held.id });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/no longer waiting/);
    await laptop.disconnect();
  });

  it('expires visibly when the machine does not come back in time, also across a server restart', async () => {
    const home = tempHome();
    ts = await startTestServer({ home, holdMs: 60_000 });
    const laptop = ts.machine('laptop');
    await laptop.connect();
    const s = await offlineSession(ts, laptop);
    const held = (await send(ts, s.id, 'late')).body.message as MessageRecord;
    expect(held.heldUntil).toBe(held.createdAt + 60_000);
    // The server restarts with a shorter hold: the stored deadline still counts (not a new one), and the restored
    // timer fires it. To keep the test fast the clock is moved past the deadline instead of waiting a minute.
    const { phoneToken } = ts;
    await ts.server.stop();
    const later = () => Date.now() + 61_000;
    const again = await startServer({ home, ...databaseFor(home), port: 0, log: () => {}, now: later, holdMs: 60_000 });
    ts = { ...ts, url: again.url, server: again, phone: apiClient(again.url, phoneToken), stop: async () => void (await again.stop()) };
    const m = await messageIn(ts, s.id, 'late', (x) => x.state === 'failed');
    expect(m.failure).toEqual({ code: 'hold-expired', detail: '“laptop” did not reconnect in 1 min' });
  });

  it('is refused (409, nothing stored) by a server told to hold nothing', async () => {
    ts = await startTestServer({ holdMs: 0 });
    const laptop = ts.machine('laptop');
    await laptop.connect();
    const s = await offlineSession(ts, laptop);
    const res = await send(ts, s.id, 'x');
    expect(res.status).toBe(409);
    expect(res.body.error.reason).toBe('machine-offline');
    expect(await userMessagesOf(ts, s.id)).toHaveLength(0);
  });
});
