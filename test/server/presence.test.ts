// Machine presence: heartbeats keep a machine online; silence or a dropped socket marks it offline with last-seen.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, waitFor, type ScriptedMachine, type TestServer } from '../helpers/server-harness.ts';
import { liveSession, waitForSession } from './fixtures.ts';

let ts: TestServer;
let laptop: ScriptedMachine;

beforeEach(async () => {
  ts = await startTestServer({ heartbeatTimeoutMs: 300 });
  laptop = ts.machine('laptop');
});
afterEach(async () => {
  await laptop.disconnect();
  await ts.stop();
});

const machineRecord = async () => (await ts.phone.route('listMachines')).body.machines[0];

describe('machine presence', () => {
  it('a silent daemon is marked offline after the heartbeat timeout, with the time it was last heard', async () => {
    const welcomedAt = Date.now();
    await laptop.connect();
    expect(await machineRecord()).toMatchObject({ online: true, name: 'laptop' });
    const closeCode = await laptop.waitClosed(); // the server gives up on the silent socket
    expect(closeCode).toBe(1006);
    const m = await waitFor(async () => {
      const r = await machineRecord();
      return r.online ? null : r;
    }, 'machine offline');
    expect(m.lastSeenAt).toBeGreaterThanOrEqual(welcomedAt - 1000);
    expect(m.lastSeenAt).toBeLessThanOrEqual(Date.now());
  });

  it('heartbeats keep it online past the timeout', async () => {
    await laptop.connect();
    for (let i = 0; i < 6; i++) {
      laptop.heartbeat();
      await new Promise((r) => setTimeout(r, 100)); // the daemon's heartbeat period, scaled down
    }
    expect((await machineRecord()).online).toBe(true);
    expect(laptop.connected).toBe(true);
  });

  it('a dropped socket makes its live sessions unavailable (machine-offline), and a reconnect reconciles', async () => {
    await laptop.connect();
    const s = await liveSession(ts, laptop);
    laptop.heartbeat();
    await laptop.terminate();
    const offline = await waitForSession(ts, s.id, (x) => x.availability.state === 'blocked');
    expect(offline.availability).toMatchObject({ reason: 'machine-offline' });
    // Back, reporting the agent still running: live again, no resume.
    await laptop.connect({ sessions: [{ sessionId: s.id, vendorResumeId: 'vendor-1', running: true }] });
    expect((await waitForSession(ts, s.id, (x) => x.availability.state === 'live')).status).toBe('active');
    laptop.heartbeat();
  });

  it('a reconnect that reports the agent gone makes the session inactive and fails undelivered messages', async () => {
    await laptop.connect();
    const s = await liveSession(ts, laptop);
    const sent = await ts.phone.route('sendMessage', { id: s.id, body: { clientId: 'c1', text: 'lost?' } });
    await laptop.next('deliver');
    await laptop.terminate(); // no ack ever arrived
    await laptop.connect({ sessions: [{ sessionId: s.id, vendorResumeId: 'vendor-1', running: false }] });
    await waitForSession(ts, s.id, (x) => x.status === 'inactive');
    const messages = (await ts.phone.route('listMessages', { id: s.id })).body.messages;
    expect(messages.find((m: any) => m.id === sent.body.message.id)).toMatchObject({ state: 'failed', failure: { code: 'agent-exited' } });
  });
});
