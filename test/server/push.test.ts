// Web Push from the server, seen from a push service on loopback that decrypts every payload: what notifies and
// what it says, once per event, suppressed only for the phone showing that session, 410s dropped, revocation.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { permissionInputHash } from '../../src/core/index.ts';
import { startPushEndpoint, type PushEndpoint } from '../helpers/push-endpoint.ts';
import { apiClient, openPhoneSocket, startTestServer, waitFor, type ApiClient, type PhoneSocket, type ScriptedMachine, type TestServer } from '../helpers/server-harness.ts';
import { inactiveSession, liveSession, messagesOf } from './fixtures.ts';

let ts: TestServer;
let laptop: ScriptedMachine;
let pushService: PushEndpoint;
const sockets: PhoneSocket[] = [];

beforeEach(async () => {
  pushService = await startPushEndpoint();
  ts = await startTestServer({ push: { retryBaseMs: 20, machineOfflineGraceMs: 150 } });
  laptop = ts.machine();
  await laptop.connect();
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await laptop.disconnect();
  await ts.stop();
  await pushService.stop();
});

/** Another phone of the account, subscribed at `name`. */
async function phone(name: string): Promise<{ api: ApiClient; token: string; deviceId: string }> {
  const issued = ts.admin.issueToken(ts.accountId as never, 'phone', name);
  const api = apiClient(ts.url, issued.token);
  expect((await api.route('subscribePush', { body: pushService.subscription(name) })).status).toBe(201);
  return { api, token: issued.token, deviceId: issued.deviceId };
}

/** Everything the sender had to do is done (events are queued when their commit happens). */
async function settled(): Promise<void> {
  await ts.server.push.idle();
}

async function eventsSocket(token: string, foreground?: string | null): Promise<PhoneSocket> {
  const sock = await openPhoneSocket(ts.url, { token });
  sockets.push(sock);
  await sock.next('welcome');
  if (foreground !== undefined) await say(sock, foreground);
  return sock;
}

/** Sends `foreground` and waits until the server has read it (frames are read in order; ping answers). */
async function say(sock: PhoneSocket, sessionId: string | null): Promise<void> {
  sock.send({ type: 'foreground', sessionId });
  sock.send({ type: 'ping' });
  await sock.next('pong');
}

function askPermission(sessionId: string, n: number, input = `ls ${n}`): void {
  laptop.event(sessionId, `perm-event-${n}`, { kind: 'permission-request', permissionId: `perm-${n}`, tool: 'Bash', input });
}

describe('what a phone is told', () => {
  it('a permission request: the session and the tool, Allow/Deny bound to the input hash, no input without previews; VAPID-signed', async () => {
    const pixel = await phone('pixel');
    const s = await liveSession(ts, laptop, 'v-perm', { title: 'Fix the build' });
    askPermission(s.id, 1, 'rm -rf build/');
    const got = await pushService.next('pixel');
    expect(got.payload).toMatchObject({
      v: 1, kind: 'permission', eventId: expect.stringMatching(/^permission:msg_/), deviceId: pixel.deviceId, sessionId: s.id,
      tag: `session:${s.id}`, title: 'Fix the build', permission: { permissionId: 'perm-1', inputHash: permissionInputHash('rm -rf build/') },
    });
    expect(got.payload.body).toContain('Bash');
    expect(got.payload.body).not.toContain('rm -rf');
    expect(got.headers.urgency).toBe('high');
    expect(got.headers.topic).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    const status = (await pixel.api.route('pushStatus')).body;
    expect(got.vapid.k).toBe(status.vapidPublicKey);
    expect(got.vapid.sub).toMatch(/^mailto:|^https:/);

    // Previews on for this device: now the command is in it.
    expect((await pixel.api.route('updatePushSettings', { body: { previews: true } })).body).toMatchObject({ previews: true });
    askPermission(s.id, 2, 'git push --force');
    expect((await pushService.next('pixel')).payload.body).toContain('git push --force');
  });

  it('a turn finished, once per turn (one turn answering two messages is one notification); a preview names the answer', async () => {
    const pixel = await phone('pixel');
    await pixel.api.route('updatePushSettings', { body: { previews: true } });
    const s = await liveSession(ts, laptop, 'v-turn');
    for (const clientId of ['a', 'b']) {
      const sent = await ts.phone.route('sendMessage', { id: s.id, body: { clientId, text: `question ${clientId}` } });
      laptop.ack(s.id, (await laptop.next('deliver', (m) => m.messageId === sent.body.message.id)).messageId);
    }
    laptop.event(s.id, 'e-text', { kind: 'text', text: 'Both done: the tests pass.' });
    laptop.event(s.id, 'e-end', { kind: 'turn-end' });
    const got = await pushService.next('pixel');
    expect(got.payload).toMatchObject({ kind: 'turn-finished', sessionId: s.id, body: 'Both done: the tests pass.' });
    await settled();
    expect(pushService.delivered('pixel')).toHaveLength(1);
  });

  it('a resume that failed: one notification for the attempt, whatever waited on it; a stop by the user notifies nothing', async () => {
    await phone('pixel');
    const s = await inactiveSession(ts, laptop, 'v-resume');
    await ts.phone.route('sendMessage', { id: s.id, body: { clientId: 'r1', text: 'the secret plan' } });
    await ts.phone.route('sendMessage', { id: s.id, body: { clientId: 'r2', text: 'more of it' } });
    const resume = await laptop.next('resume');
    laptop.resumeFailed(resume.attemptId, s.id, 'vendor-not-found');
    const got = await pushService.next('pixel');
    expect(got.payload).toMatchObject({ kind: 'resume-failed', eventId: `resume-failed:${resume.attemptId}`, sessionId: s.id });
    expect(got.payload.body).toContain('no longer has this session');
    expect(got.payload.body).not.toContain('secret');

    // The user stops a session being reopened: its message fails with `stopped`, which is no news to them.
    await ts.phone.route('sendMessage', { id: s.id, body: { clientId: 'r3', text: 'three' } });
    await laptop.next('resume', (m) => m.attemptId !== resume.attemptId);
    expect((await ts.phone.route('stopSession', { id: s.id })).status).toBe(200);
    await waitFor(async () => (await messagesOf(ts, s.id)).some((m) => m.clientId === 'r3' && m.state === 'failed'), 'r3 failed');
    await settled();
    expect(pushService.delivered('pixel')).toHaveLength(1);
  });

  it('a message that failed (the agent exited) and a turn that failed (not logged in) are "message failed"', async () => {
    await phone('pixel');
    const s = await liveSession(ts, laptop, 'v-fail');
    const a = await ts.phone.route('sendMessage', { id: s.id, body: { clientId: 'f1', text: 'hello' } });
    laptop.ack(s.id, (await laptop.next('deliver', (m) => m.messageId === a.body.message.id)).messageId);
    laptop.event(s.id, 'e-auth', { kind: 'turn-end', failure: { code: 'auth-failed', detail: 'Not logged in' } });
    const first = await pushService.next('pixel');
    expect(first.payload).toMatchObject({ kind: 'message-failed', eventId: `unanswered:${a.body.message.id}` });
    expect(first.payload.body).toContain('not logged in');

    const b = await ts.phone.route('sendMessage', { id: s.id, body: { clientId: 'f2', text: 'again' } });
    await laptop.next('deliver', (m) => m.messageId === b.body.message.id);
    laptop.stopped(s.id, 'crashed');
    const second = await pushService.next('pixel');
    expect(second.payload).toMatchObject({ kind: 'message-failed', eventId: `failed:${b.body.message.id}` });
  });

  it('a machine offline while a message waits, once it stayed away past the grace; not when it comes back in time', async () => {
    await phone('pixel');
    const s = await liveSession(ts, laptop, 'v-away', { title: 'Long job' });
    const sent = await ts.phone.route('sendMessage', { id: s.id, body: { clientId: 'w1', text: 'run it' } });
    laptop.ack(s.id, (await laptop.next('deliver', (m) => m.messageId === sent.body.message.id)).messageId);

    // A blip: back within the grace.
    await laptop.terminate();
    await laptop.connect({ sessions: [{ sessionId: s.id, vendorResumeId: 'v-away', running: true }] });
    await new Promise((r) => setTimeout(r, 300)); // past the 150 ms grace: its timer has run and found it online
    await settled();
    expect(pushService.delivered('pixel')).toHaveLength(0);

    await laptop.terminate();
    const got = await pushService.next('pixel');
    expect(got.payload).toMatchObject({ kind: 'machine-offline', sessionId: s.id, title: 'laptop is offline' });
    expect(got.payload.body).toBe('1 message waiting in “Long job”.');
    await laptop.connect({ sessions: [{ sessionId: s.id, vendorResumeId: 'v-away', running: true }] });
  });

  it('the kinds a device turned off do not notify it; a test notification reaches it whatever its kinds', async () => {
    const pixel = await phone('pixel');
    expect((await pixel.api.route('updatePushSettings', { body: { kinds: { permission: false } } })).body.kinds).toMatchObject({ permission: false, 'turn-finished': true });
    const s = await liveSession(ts, laptop, 'v-kinds');
    askPermission(s.id, 1);
    await waitFor(async () => (await messagesOf(ts, s.id)).some((m) => m.role === 'permission'), 'the permission message');
    await settled();
    expect(pushService.delivered('pixel')).toHaveLength(0);
    const test = await pixel.api.route('testPush');
    expect(test.status).toBe(202);
    expect((await pushService.next('pixel')).payload).toMatchObject({ kind: 'test', eventId: test.body.eventId, sessionId: null });
  });
});

describe('once, and only to whom it concerns', () => {
  it('suppressed only for the phone showing that session in the foreground, never because some socket is open', async () => {
    const pixel = await phone('pixel');
    const tablet = await phone('tablet');
    const s = await liveSession(ts, laptop, 'v-fg-1');
    const t = await liveSession(ts, laptop, 'v-fg-2');
    const pixelSocket = await eventsSocket(pixel.token, s.id);
    await eventsSocket(tablet.token, null); // open, in the foreground on another screen

    askPermission(s.id, 1);
    expect((await pushService.next('tablet')).payload.sessionId).toBe(s.id);
    askPermission(t.id, 2);
    expect((await pushService.next('pixel')).payload.sessionId).toBe(t.id); // pixel shows s, not t
    await pushService.next('tablet', (p) => p.sessionId === t.id);
    await settled();
    expect(pushService.delivered('pixel').map((p) => p.payload.sessionId)).toEqual([t.id]);

    // The app went to the background: told again.
    await say(pixelSocket, null);
    askPermission(s.id, 3);
    expect((await pushService.next('pixel')).payload.permission?.permissionId).toBe('perm-3');

    // Foreground on s again, then the socket dies without a word: that is not "showing".
    await say(pixelSocket, s.id);
    pixelSocket.close();
    await pixelSocket.closed;
    askPermission(s.id, 4);
    expect((await pushService.next('pixel')).payload.permission?.permissionId).toBe('perm-4');
  });

  it('a re-sent agent event and a repeated ack notify nothing new; a push service error is retried until it takes it, once', async () => {
    await phone('pixel');
    pushService.answer('pixel', [500, 503]);
    const s = await liveSession(ts, laptop, 'v-retry');
    askPermission(s.id, 1);
    const got = await pushService.next('pixel');
    expect(pushService.received.filter((p) => p.name === 'pixel').map((p) => p.status)).toEqual([500, 503, 201]);
    // The daemon reconnects and re-sends what it is not sure the server has.
    askPermission(s.id, 1);
    await laptop.terminate();
    await laptop.connect({ sessions: [{ sessionId: s.id, vendorResumeId: 'v-retry', running: true }] });
    askPermission(s.id, 1);
    laptop.heartbeat();
    await settled();
    expect(pushService.delivered('pixel').map((p) => p.payload.eventId)).toEqual([got.payload.eventId]);
  });

  it('an endpoint the push service says is gone (410) is dropped, and nothing more is sent to it', async () => {
    const pixel = await phone('pixel');
    pushService.answer('pixel', [410]);
    const s = await liveSession(ts, laptop, 'v-gone');
    askPermission(s.id, 1);
    await waitFor(() => pushService.received.some((p) => p.status === 410), 'the 410');
    await waitFor(async () => (await pixel.api.route('pushStatus')).body.subscription === null, 'the subscription dropped');
    askPermission(s.id, 2);
    await waitFor(async () => (await messagesOf(ts, s.id)).filter((m) => m.role === 'permission').length === 2, 'both permissions');
    await settled();
    expect(pushService.received).toHaveLength(1);
    // The phone subscribes again: told again.
    await pixel.api.route('subscribePush', { body: pushService.subscription('pixel-2') });
    askPermission(s.id, 3);
    expect((await pushService.next('pixel-2')).payload.permission?.permissionId).toBe('perm-3');
  });

  it('revoking a device removes its subscription: nothing is queued or sent to it after', async () => {
    const pixel = await phone('pixel');
    await phone('tablet');
    const s = await liveSession(ts, laptop, 'v-revoke');
    expect((await ts.phone.route('revokeDevice', { id: pixel.deviceId })).status).toBe(204);
    expect(ts.server.push.events.due(Date.now() + 1e9, 100)).toEqual([]);
    askPermission(s.id, 1);
    await pushService.next('tablet');
    await settled();
    expect(pushService.delivered('pixel')).toHaveLength(0);
    expect((await pixel.api.route('pushStatus')).status).toBe(401);
  });

  it('share links and machines never subscribe; only a phone does', async () => {
    const s = await liveSession(ts, laptop, 'v-share');
    const share = (await ts.phone.route('createShare', { id: s.id, body: { expiresInSeconds: 600 } })).body;
    const viewer = apiClient(ts.url, share.token);
    expect((await viewer.route('subscribePush', { body: pushService.subscription('viewer') })).status).toBe(403);
    const cli = apiClient(ts.url, ts.admin.issueToken(ts.accountId as never, 'cli', 'terminal').token);
    expect((await cli.route('subscribePush', { body: pushService.subscription('cli') })).status).toBe(403);
    expect((await apiClient(ts.url, laptop.token).route('pushStatus')).status).toBe(403);
  });
});

describe('subscriptions and answers', () => {
  it('refuses what is not a push subscription, with a clear 400 that changes nothing', async () => {
    const sub = pushService.subscription('pixel');
    const bad = [
      { ...sub, endpoint: 'http://push.example/x' },
      { ...sub, endpoint: 'ftp://push.example/x' },
      { ...sub, keys: { ...sub.keys, p256dh: sub.keys.p256dh.slice(0, 84) } },
      { ...sub, keys: { ...sub.keys, auth: 'A'.repeat(30) } },
      { ...sub, extra: 1 },
    ];
    for (const body of bad) {
      const res = await ts.phone.route('subscribePush', { body: body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toMatch(/^invalid body: /);
    }
    expect((await ts.phone.route('pushStatus')).body.subscription).toBeNull();
    expect((await ts.phone.route('testPush')).status).toBe(409);
  });

  it('an answer carrying an input hash is refused (409, nothing answered) unless it is the hash of the request it names', async () => {
    const s = await liveSession(ts, laptop, 'v-hash');
    askPermission(s.id, 1, 'rm -rf /tmp/x');
    await waitFor(async () => (await messagesOf(ts, s.id)).some((m) => m.role === 'permission'), 'the permission');
    const stale = await ts.phone.route('answerPermission', { id: s.id, permissionId: 'perm-1', body: { decision: 'allow', inputHash: permissionInputHash('ls') } });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ kind: 'conflict', message: expect.stringContaining('different request') });
    expect((await messagesOf(ts, s.id)).find((m) => m.role === 'permission')!.permission!.decision).toBeNull();
    expect(laptop.all('permission-answer')).toHaveLength(0);
    const bad = await ts.phone.route('answerPermission', { id: s.id, permissionId: 'perm-1', body: { decision: 'allow', inputHash: 'XYZ' } });
    expect(bad.status).toBe(400);
    const ok = await ts.phone.route('answerPermission', { id: s.id, permissionId: 'perm-1', body: { decision: 'allow', inputHash: permissionInputHash('rm -rf /tmp/x') } });
    expect(ok.status).toBe(200);
    expect((await laptop.next('permission-answer')).decision).toBe('allow');
  });

  it('DELETE turns this device off: what was queued for it is dropped, not sent later', async () => {
    const pixel = await phone('pixel');
    pushService.answer('pixel', ['hold']);
    const s = await liveSession(ts, laptop, 'v-off');
    askPermission(s.id, 1);
    const m = await waitFor(async () => (await messagesOf(ts, s.id)).find((x) => x.role === 'permission'), 'the permission');
    const eventId = `permission:${m.id}`;
    expect(ts.server.push.events.get(pixel.deviceId, eventId)?.state).toBe('pending');
    expect((await pixel.api.route('unsubscribePush')).status).toBe(204);
    expect((await pixel.api.route('pushStatus')).body.subscription).toBeNull();
    expect(ts.server.push.events.get(pixel.deviceId, eventId)?.state).toBe('dropped');
    expect((await pixel.api.route('unsubscribePush')).status).toBe(204);
  });
});
