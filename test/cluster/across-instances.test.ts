// More of what two instances on one Postgres share: a resume deadline armed by an instance that died is fired by the
// survivor, a revocation closes the device's sockets on the other instance, a history read crosses to the machine's
// instance and back, and a notification goes out once, signed with the keys both instances share.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPushEndpoint, type PushEndpoint } from '../helpers/push-endpoint.ts';
import { apiClient, openPhoneSocket, startTestServer, tempHome, waitFor, type TestServer } from '../helpers/server-harness.ts';
import { postgresUrlFor, TEST_POSTGRES } from '../helpers/test-database.ts';
import { doomedInstances, machineOn } from './fixtures.ts';
import { inactiveSession, liveSession, messagesOf } from '../server/fixtures.ts';

if (!TEST_POSTGRES) throw new Error('test/cluster runs on Postgres: set BATON_TEST_POSTGRES (scripts/test-all.sh does)');

let a: TestServer;
let b: TestServer;
let url: string;
const timings = { leaseMs: 1_500, sweepMs: 200 };

beforeEach(async () => {
  url = postgresUrlFor(tempHome('baton-cluster-'))!;
  // Instances on one database run with the same options (docs/scaling.md): here the doomed child's resume timeout too.
  const options = { databaseUrl: url, cluster: timings, push: { retryBaseMs: 20, claimMs: 300 }, resumeTimeoutMs: 1_500 };
  a = await startTestServer({ home: tempHome(), ...options });
  b = await startTestServer({ home: tempHome(), ...options });
});
afterEach(async () => {
  await a.stop();
  await b.stop();
});

describe('an instance killed after it began a resume', () => {
  const startDoomed = doomedInstances();

  it('leaves its deadline to the survivor: the resume fails with timeout there, the message is never delivered', async () => {
    // The phone's request reaches the doomed instance (it arms the deadline); the machine is on B and stays silent.
    const proc = await startDoomed(['--database', url, '--lease-seconds', '1.5', '--resume-timeout-ms', '1500']);
    const laptop = await machineOn(a, b);
    const s = await inactiveSession(a, laptop, 'vendor-3');
    const viaDoomed = apiClient(proc.url, a.phoneToken);
    const sent = await viaDoomed.post(`/api/sessions/${s.id}/messages`, { clientId: 'c1', text: 'never delivered' });
    expect(sent.status).toBe(202);
    const resume = await laptop.next('resume');
    await proc.kill('SIGKILL');
    const msg = await waitFor(async () => (await messagesOf(a, s.id)).find((m) => m.id === sent.body.message.id && m.state === 'failed'), 'the message failed', 15_000);
    expect(msg.failure?.code).toBe('timeout');
    // The daemon answering late changes nothing: the attempt is over.
    laptop.resumed(resume.attemptId, s.id, 'vendor-3');
    await new Promise((r) => setTimeout(r, 300));
    expect(laptop.all('deliver')).toHaveLength(0);
  });
});

describe('a device revoked through A', () => {
  it('loses its socket on B at once', async () => {
    const victim = a.admin.issueToken(a.admin.defaultAccount(), 'phone', 'victim');
    const socket = await openPhoneSocket(b.url, { token: victim.token });
    await socket.next('welcome');
    const closed = new Promise<number>((r) => socket.ws.once('close', (code) => r(code)));
    expect((await a.phone.delete(`/api/devices/${victim.deviceId}`)).status).toBe(204);
    expect(await closed).toBe(4401);
  });
});

describe('history', () => {
  it('is read on the machine held by B for a phone asking A', async () => {
    const page = { entries: [{ index: 0, role: 'user', text: 'from the vendor store', truncated: false, at: 1 }], hasOlder: false };
    const laptop = await machineOn(a, b, { history: () => ({ ok: true, page }) });
    const s = await liveSession(a, laptop, 'vendor-h');
    const res = await a.phone.get(`/api/sessions/${s.id}/history`);
    expect(res).toMatchObject({ status: 200, body: page });
    expect(laptop.all('history-request')).toHaveLength(1);
  });
});

describe('push', () => {
  let endpoint: PushEndpoint;
  beforeEach(async () => {
    endpoint = await startPushEndpoint();
  });
  afterEach(async () => {
    await endpoint.stop();
  });

  it('signs with the keys both instances share and sends each notification once', async () => {
    expect((await a.phone.get('/api/push')).body.vapidPublicKey).toBe((await b.phone.get('/api/push')).body.vapidPublicKey);
    expect((await b.phone.post('/api/push/subscription', endpoint.subscription('pixel'))).status).toBe(201);
    const laptop = await machineOn(a, b);
    const s = await liveSession(a, laptop);
    for (let n = 1; n <= 3; n++) laptop.event(s.id, `ev-${n}`, { kind: 'permission-request', permissionId: `perm-${n}`, tool: 'Bash', input: `step ${n}` });
    for (let n = 1; n <= 3; n++) await endpoint.next('pixel', (p) => p.permission?.permissionId === `perm-${n}`);
    // Both senders poll the queue every sweep, and a claim here runs out after 300 ms (the push options above): a
    // send not recorded as done would go out again from either instance within these few sweeps.
    await new Promise((r) => setTimeout(r, 1_500));
    const perEvent = new Map<string, number>();
    for (const p of endpoint.delivered('pixel')) perEvent.set(p.payload.eventId, (perEvent.get(p.payload.eventId) ?? 0) + 1);
    expect([...perEvent.values()]).toEqual([1, 1, 1]);
  });
});
