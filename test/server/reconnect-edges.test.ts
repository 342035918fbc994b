// Edges of a daemon or server going away at the worst moment, found by reading the chaos soak's near misses:
// an ack lost with a crashed daemon, a start the server never got to send or hear back about.
import { afterEach, describe, expect, it } from 'vitest';
import { apiClient, ScriptedMachine, startServerProcess, startTestServer, tempHome, waitFor, type ServerProcess, type TestServer } from '../helpers/server-harness.ts';
import { databaseFor } from '../helpers/test-database.ts';

let ts: TestServer | null = null;
let proc: ServerProcess | null = null;
afterEach(async () => {
  await ts?.stop();
  await proc?.kill('SIGTERM');
  ts = null;
  proc = null;
});

describe('a daemon that crashed after writing a message but before its ack went out', () => {
  it('reports the message in hello: it counts as written (unanswered, turn-lost), not failed; an unwritten one fails', async () => {
    ts = await startTestServer();
    const laptop = ts.machine('laptop');
    await laptop.connect();
    const phone = ts.phone;
    const created = await phone.route('startSession', { body: { machineId: laptop.machineId, provider: 'claude', cwd: '/work/app' } });
    const id = created.body.session.id as string;
    const start = await laptop.next('start');
    laptop.started(start.requestId, id, 'vendor-a');
    laptop.resumable(id, 'vendor-a');
    await waitFor(async () => (await phone.route('getSession', { id })).body.session.status === 'active');

    const written = await phone.route('sendMessage', { id, body: { clientId: 'w', text: 'written' } });
    const unwritten = await phone.route('sendMessage', { id, body: { clientId: 'u', text: 'not written' } });
    await laptop.next('deliver', (d) => d.messageId === unwritten.body.message.id);
    await laptop.disconnect();

    const again = new ScriptedMachine(ts.url, laptop.token, laptop.machineId);
    await again.connect({ sessions: [{ sessionId: id, vendorResumeId: 'vendor-a', running: false, delivered: [written.body.message.id] }] });
    const states = await waitFor(async () => {
      const msgs = (await phone.route('listMessages', { id })).body.messages as { id: string; state: string; failure: { code: string } | null }[];
      const by = new Map(msgs.map((m) => [m.id, m]));
      const w = by.get(written.body.message.id)!;
      const u = by.get(unwritten.body.message.id)!;
      return u.state === 'failed' ? { w, u } : null;
    }, 'the reconnect to settle the messages');
    expect(states.w).toMatchObject({ state: 'unanswered', failure: { code: 'turn-lost' } });
    expect(states.u.failure?.code).toBe('agent-exited');
    // Its turn was lost with the agent: a later turn end does not mark it answered.
    again.event(id, 'ev-late', { kind: 'turn-end' });
    await new Promise((r) => setTimeout(r, 200));
    const w = (await phone.route('listMessages', { id })).body.messages.find((m: { id: string }) => m.id === written.body.message.id);
    expect(w.state).toBe('unanswered');
  });
});

describe('a start the server never heard back about', () => {
  it('is sent again, with the same request id, when the machine says hello to a restarted server', async () => {
    const home = tempHome();
    const { startServer } = await import('../../src/server/index.ts');
    const seedServer = await startServer({ home, ...databaseFor(home), port: 0, log: () => {} });
    const account = seedServer.admin.defaultAccount();
    const phoneToken = seedServer.admin.issueToken(account, 'phone', 'phone').token;
    const m = seedServer.admin.issueToken(account, 'machine', 'laptop');
    await seedServer.stop();

    proc = await startServerProcess(home);
    let laptop = new ScriptedMachine(proc.url, m.token, m.machineId!);
    await laptop.connect();
    let phone = apiClient(proc.url, phoneToken);
    const created = await phone.route('startSession', { body: { machineId: m.machineId!, provider: 'claude', cwd: '/work/app', message: { clientId: 'first', text: 'hello' } } });
    const id = created.body.session.id as string;
    const start = await laptop.next('start');

    // The server dies before the daemon answers; the daemon's `started` never reaches it.
    await proc.kill('SIGKILL');
    await laptop.waitClosed();
    proc = await startServerProcess(home);
    phone = apiClient(proc.url, phoneToken);
    laptop = new ScriptedMachine(proc.url, m.token, m.machineId!);
    await laptop.connect();
    const resent = await laptop.next('start');
    expect(resent).toMatchObject({ requestId: start.requestId, sessionId: id, provider: 'claude', cwd: '/work/app' });

    laptop.started(resent.requestId, id, 'vendor-s');
    const d = await laptop.next('deliver');
    expect(d.text).toBe('hello');
    expect((await phone.route('getSession', { id })).body.session.status).toBe('active');
  }, 60_000);

  it('coming through after the machine dropped, makes the session live; its failed first message stays failed', async () => {
    ts = await startTestServer();
    const laptop = ts.machine('laptop');
    await laptop.connect();
    const phone = ts.phone;
    const created = await phone.route('startSession', { body: { machineId: laptop.machineId, provider: 'claude', cwd: '/work/app', message: { clientId: 'first', text: 'hello' } } });
    const id = created.body.session.id as string;
    const start = await laptop.next('start');
    await laptop.disconnect();
    const first = await waitFor(async () => {
      const msg = (await phone.route('listMessages', { id })).body.messages.find((x: { role: string }) => x.role === 'user');
      return msg?.state === 'failed' ? msg : null;
    }, 'the first message to fail');
    expect(first.failure.code).toBe('machine-disconnected');

    const again = new ScriptedMachine(ts.url, laptop.token, laptop.machineId);
    await again.connect({ sessions: [{ sessionId: id, vendorResumeId: null, running: true }] });
    again.started(start.requestId, id, 'vendor-late');
    const s = await waitFor(async () => {
      const x = (await phone.route('getSession', { id })).body.session;
      return x.vendorId === 'vendor-late' ? x : null;
    }, 'the late start to count');
    expect(s.status).toBe('active');
    expect(again.all('deliver')).toHaveLength(0);
    expect((await phone.route('listMessages', { id })).body.messages.find((x: { role: string }) => x.role === 'user').state).toBe('failed');
  });
});

describe('a direct session listed again unchanged', () => {
  it('does not move the sync cursor, even when the vendor store gives it no title', async () => {
    ts = await startTestServer();
    const laptop = ts.machine('laptop');
    await laptop.connect();
    const listing = { type: 'direct-sessions', sessions: [{ provider: 'claude', backend: 'claude-stream', vendorResumeId: 'native-untitled-1', cwd: '/work/x', title: '', updatedAt: 5 }] };
    laptop.send(listing);
    const first = await waitFor(async () => {
      const sync = (await ts!.phone.route('sync', { query: { since: 0 } })).body;
      return sync.sessions.some((s: { vendorResumeId: string }) => s.vendorResumeId === 'native-untitled-1') ? sync : null;
    }, 'the direct session to be listed');
    laptop.send(listing);
    laptop.heartbeat();
    await new Promise((r) => setTimeout(r, 200));
    const again = (await ts.phone.route('sync', { query: { since: first.cursor } })).body;
    expect(again.sessions).toEqual([]);
  });
});
