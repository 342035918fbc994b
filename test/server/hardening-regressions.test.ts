// Weak spots found in the server after it was written, each pinned by a regression test: archive and stop
// call off a resume in flight, share viewers lose their socket with their share, a starting session reads `resuming`.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPhoneSocket, startTestServer, type ScriptedMachine, type TestServer } from '../helpers/server-harness.ts';
import { inactiveSession, liveSession, userMessagesOf, waitForSession } from './fixtures.ts';
import { openTestDatabase } from '../helpers/test-database.ts';

let ts: TestServer;
let laptop: ScriptedMachine;
let clock = 0;

beforeEach(async () => {
  clock = Date.now();
  ts = await startTestServer({ resumeTimeoutMs: 400, now: () => clock });
  laptop = ts.machine('laptop');
  await laptop.connect();
});
afterEach(async () => {
  await laptop.disconnect();
  await ts.stop();
});

/** The close code, or a clear failure if the server keeps the socket open. */
const closedSoon = (viewer: { closed: Promise<number> }) =>
  Promise.race([viewer.closed, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the viewer socket stayed open')), 5_000))]);

const send = (sessionId: string, clientId: string, text: string) => ts.phone.route('sendMessage', { id: sessionId, body: { clientId, text } });

describe('archiving or stopping while a resume is in flight', () => {
  // Regression: archive left the attempt pending; a later `resumed` made the session live while archived,
  // and delivered the waiting message into it (invariant 5: an archived session is never resumed).
  it('archive fails the attempt and its messages with `stopped`; a late success is stopped, not adopted', async () => {
    const s = await inactiveSession(ts, laptop, 'vendor-a');
    const sent = await send(s.id, 'c1', 'are you there?');
    expect(sent.body.message.state).toBe('awaiting-resume');
    const resume = await laptop.next('resume');
    const joined = await send(s.id, 'c2', 'and this one');
    expect(joined.body.message.state).toBe('awaiting-resume');

    const archived = await ts.phone.route('archiveSession', { id: s.id });
    expect(archived.status).toBe(200);
    expect(archived.body.session).toMatchObject({ archived: true, status: 'inactive', availability: { state: 'blocked', reason: 'archived' } });
    expect(archived.body.session.lastResume).toMatchObject({ state: 'failed', code: 'stopped' });
    expect((await userMessagesOf(ts, s.id)).map((m) => [m.clientId, m.state, m.failure?.code])).toEqual([
      ['c1', 'failed', 'stopped'],
      ['c2', 'failed', 'stopped'],
    ]);
    // Told to stop whatever the resume brings up (the daemon handles it after the resume, in order).
    await laptop.next('stop', (m) => m.sessionId === s.id);

    laptop.resumed(resume.attemptId, s.id, 'vendor-a'); // the daemon finishes the resume anyway
    await laptop.next('stop', (m) => m.sessionId === s.id);
    const after = await waitForSession(ts, s.id, (x) => x.archived);
    expect(after).toMatchObject({ status: 'inactive', availability: { state: 'blocked', reason: 'archived' }, lastResume: { state: 'failed', code: 'stopped' } });
    expect(laptop.all('deliver')).toHaveLength(0);
  });

  // Regression: a resume that timed out and then succeeded late made an archived session live.
  it('a late success after a timeout does not make an archived session live either', async () => {
    const s = await inactiveSession(ts, laptop, 'vendor-b');
    await send(s.id, 'c1', 'hello');
    const resume = await laptop.next('resume');
    await waitForSession(ts, s.id, (x) => x.lastResume?.code === 'timeout', 5_000);
    expect((await ts.phone.route('archiveSession', { id: s.id })).status).toBe(200);
    laptop.resumed(resume.attemptId, s.id, 'vendor-b');
    await laptop.next('stop', (m) => m.sessionId === s.id);
    const after = await waitForSession(ts, s.id, (x) => x.archived);
    expect(after.status).toBe('inactive');
    expect(after.availability).toMatchObject({ state: 'blocked', reason: 'archived' });
  });

  // Regression: a daemon reconnecting with an archived session still running kept it live.
  it('a reconnecting daemon that reports an archived session running is told to stop it', async () => {
    const s = await liveSession(ts, laptop, 'vendor-c');
    await laptop.terminate();
    expect((await ts.phone.route('archiveSession', { id: s.id })).status).toBe(200);
    await laptop.connect({ sessions: [{ sessionId: s.id, vendorResumeId: 'vendor-c', running: true }] });
    await laptop.next('stop', (m) => m.sessionId === s.id);
  });

  // Regression: stop answered 409 "not running" while a resume was in flight, so the user could not call it off.
  it('stop calls the resume off: attempt and messages fail with `stopped`, a late success is stopped', async () => {
    const s = await inactiveSession(ts, laptop, 'vendor-d');
    await send(s.id, 'c1', 'hello');
    const resume = await laptop.next('resume');
    const stopped = await ts.phone.route('stopSession', { id: s.id });
    expect(stopped.status).toBe(200);
    expect(stopped.body.session).toMatchObject({ status: 'inactive', lastResume: { state: 'failed', code: 'stopped' } });
    expect((await userMessagesOf(ts, s.id)).map((m) => [m.state, m.failure?.code])).toEqual([['failed', 'stopped']]);
    await laptop.next('stop', (m) => m.sessionId === s.id);
    laptop.resumed(resume.attemptId, s.id, 'vendor-d');
    await laptop.next('stop', (m) => m.sessionId === s.id);
    expect((await ts.phone.route('getSession', { id: s.id })).body.session.status).toBe('inactive');
    // Not archived: the next send resumes again, strictly.
    expect((await send(s.id, 'c2', 'again')).body.message.state).toBe('awaiting-resume');
    expect((await laptop.next('resume', (m) => m.attemptId !== resume.attemptId)).vendorResumeId).toBe('vendor-d');
  });

  // Regression: archiving a session whose start was in flight let `started` deliver its first message.
  it('archiving while a start is in flight stops the agent on `started` and delivers nothing', async () => {
    const res = await ts.phone.route('startSession', { body: { machineId: laptop.machineId, provider: 'claude', cwd: '/work/app', message: { clientId: 'first', text: 'hi' } } });
    const start = await laptop.next('start');
    expect((await ts.phone.route('archiveSession', { id: res.body.session.id })).status).toBe(200);
    laptop.started(start.requestId, start.sessionId, 'vendor-e');
    await laptop.next('stop', (m) => m.sessionId === start.sessionId);
    laptop.stopped(start.sessionId, 'requested');
    await waitForSession(ts, start.sessionId, (x) => x.status === 'inactive');
    expect(laptop.all('deliver')).toHaveLength(0);
    expect((await userMessagesOf(ts, start.sessionId)).map((m) => [m.state, m.failure?.code])).toEqual([['failed', 'stopped']]);
  });
});

describe('share viewers', () => {
  // Regression: revoking a share stopped new reads but its open viewer sockets kept streaming the transcript.
  it('lose their socket the moment the share is revoked', async () => {
    const s = await liveSession(ts, laptop);
    const share = (await ts.phone.route('createShare', { id: s.id, body: { expiresInSeconds: 3600 } })).body;
    const viewer = await openPhoneSocket(ts.url, { shareToken: share.token });
    await viewer.next('welcome');
    expect((await ts.phone.route('revokeShare', { id: share.id })).status).toBe(204);
    expect(await closedSoon(viewer)).toBe(4401);
    expect(viewer.all('error').map((e) => e.code)).toEqual(['share-revoked']);
  });

  // Regression: an expired share's viewer socket stayed open for as long as the viewer liked.
  it('lose their socket when the share expires, with no other event needed', async () => {
    const s = await liveSession(ts, laptop);
    const share = (await ts.phone.route('createShare', { id: s.id, body: { expiresInSeconds: 3600 } })).body;
    // Bring the deadline close (a share lasts at least a minute through the API).
    const db = openTestDatabase(ts.home);
    db.prepare('UPDATE shares SET expires_at = ? WHERE id = ?').run(clock + 300, share.id);
    db.close();
    const viewer = await openPhoneSocket(ts.url, { shareToken: share.token });
    await viewer.next('welcome');
    clock += 300; // the server's clock reaches the deadline as the timer fires
    expect(await closedSoon(viewer)).toBe(4401);
    expect(viewer.all('error').map((e) => e.code)).toEqual(['share-expired']);
  });

  it('past the deadline on the server clock get no further message, only the close', async () => {
    const s = await liveSession(ts, laptop);
    const share = (await ts.phone.route('createShare', { id: s.id, body: { expiresInSeconds: 60 } })).body;
    const viewer = await openPhoneSocket(ts.url, { shareToken: share.token });
    await viewer.next('welcome');
    clock += 61_000;
    laptop.event(s.id, 'late', { kind: 'text', text: 'after the deadline' });
    expect(await closedSoon(viewer)).toBe(4401);
    expect(viewer.all('message')).toHaveLength(0);
  });
});

describe('a brand-new session', () => {
  // Regression: until `started`, a new session read `blocked: missing-resume-id` ("it never finished a first turn").
  it('reads `resuming` while its start is in flight, then live; a message sent meanwhile waits for `started`', async () => {
    const res = await ts.phone.route('startSession', { body: { machineId: laptop.machineId, provider: 'claude', cwd: '/work/app' } });
    expect(res.body.session.availability).toEqual({ state: 'resuming' });
    const start = await laptop.next('start');
    const early = await send(start.sessionId, 'early', 'before started');
    expect(early.status).toBe(202);
    expect(early.body.message.state).toBe('accepted');
    laptop.started(start.requestId, start.sessionId, 'vendor-new');
    const deliver = await laptop.next('deliver', (d) => d.messageId === early.body.message.id);
    expect(deliver.text).toBe('before started');
    // Frames arrive in order: `deliver` came after `started` was handled, never before.
    const frames = laptop.received.map((f) => f.type);
    expect(frames.indexOf('deliver')).toBeGreaterThan(frames.indexOf('start'));
    expect(laptop.all('deliver')).toHaveLength(1);
    expect((await waitForSession(ts, start.sessionId, (x) => x.status === 'active')).availability).toEqual({ state: 'live' });
  });

  it('reads `missing-resume-id` again if its machine leaves before answering', async () => {
    const res = await ts.phone.route('startSession', { body: { machineId: laptop.machineId, provider: 'claude', cwd: '/work/app' } });
    await laptop.next('start');
    await laptop.terminate();
    const s = await waitForSession(ts, res.body.session.id, (x) => x.availability.state === 'blocked');
    expect(s.availability).toMatchObject({ reason: 'missing-resume-id' });
  });
});
