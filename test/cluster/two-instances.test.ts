// Two server instances on one Postgres database (issue 15): the phone on one, the machine on the other, and every
// promise still kept — commands reach the instance holding the machine's socket, phones on either instance hear of
// every change, a machine that reconnects elsewhere is handed over without going offline, and a killed instance's
// machines and deadlines are swept up by the survivor. Runs in the Postgres pass (BATON_TEST_POSTGRES).
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScriptedMachine, apiClient, openPhoneSocket, startTestServer, tempHome, waitFor, type TestServer } from '../helpers/server-harness.ts';
import { postgresUrlFor, TEST_POSTGRES } from '../helpers/test-database.ts';
import { doomedInstances, machineOn } from './fixtures.ts';
import { inactiveSession, liveSession, messagesOf, waitForSession } from '../server/fixtures.ts';

if (!TEST_POSTGRES) throw new Error('test/cluster runs on Postgres: set BATON_TEST_POSTGRES (scripts/test-all.sh does)');

let a: TestServer;
let b: TestServer;
let url: string;

beforeEach(async () => {
  url = postgresUrlFor(tempHome('baton-cluster-'))!;
  a = await startTestServer({ home: tempHome(), databaseUrl: url, cluster: { leaseMs: 1_500, sweepMs: 200 } });
  b = await startTestServer({ home: tempHome(), databaseUrl: url, cluster: { leaseMs: 1_500, sweepMs: 200 } });
});
afterEach(async () => {
  await a.stop();
  await b.stop();
});


describe('the phone on one instance, the machine on the other', () => {
  it('share one account: a session started through A runs on the machine held by B, and a message reaches it once', async () => {
    expect(b.accountId).toBe(a.accountId);
    const laptop = await machineOn(a, b);
    const s = await liveSession(a, laptop);
    const sent = await a.phone.post(`/api/sessions/${s.id}/messages`, { clientId: 'c1', text: 'hello' });
    expect(sent.status).toBe(202);
    const deliver = await laptop.next('deliver');
    expect(deliver.messageId).toBe(sent.body.message.id);
    laptop.ack(s.id, deliver.messageId);
    await waitFor(async () => (await messagesOf(a, s.id)).find((m) => m.id === deliver.messageId && m.state === 'delivered'), 'delivered, as A reads it');
    expect(laptop.all('deliver')).toHaveLength(1);
  });

  it('strict resume across instances: the resume goes to B, the held message is delivered after it succeeded, to the same vendor session', async () => {
    const laptop = await machineOn(a, b);
    const s = await inactiveSession(a, laptop, 'vendor-7');
    const sent = await a.phone.post(`/api/sessions/${s.id}/messages`, { clientId: 'c2', text: 'after resume' });
    expect(sent.status).toBe(202);
    const resume = await laptop.next('resume');
    expect(resume.vendorResumeId).toBe('vendor-7');
    expect(laptop.all('deliver')).toHaveLength(0); // queued only until the resume succeeded
    laptop.resumed(resume.attemptId, s.id, 'vendor-7');
    const deliver = await laptop.next('deliver');
    expect(deliver.messageId).toBe(sent.body.message.id);
    expect(laptop.all('start')).toHaveLength(1); // the original start only: nothing fresh
  });

  it('tells a phone on A what the agent on B said', async () => {
    const laptop = await machineOn(a, b);
    const s = await liveSession(a, laptop);
    const phone = await openPhoneSocket(a.url, { token: a.phoneToken });
    await phone.next('welcome');
    laptop.event(s.id, 'ev-1', { kind: 'text', text: 'from the agent' });
    const hint = await phone.next('message', (m) => m.message.text === 'from the agent');
    expect(hint.message.sessionId).toBe(s.id);
    await phone.next('changed');
    phone.ws.close();
  });
});

describe('a third instance', () => {
  // Regression: on Postgres nothing else made the home (the push keys come from the database), and writing
  // server.json into it failed at start with ENOENT.
  it('starts on a home that does not exist yet, and serves the same account', async () => {
    const c = await startTestServer({ home: join(tempHome(), 'not', 'yet'), databaseUrl: url });
    try {
      expect(c.accountId).toBe(a.accountId);
      expect((await c.phone.get('/api/health')).status).toBe(200);
    } finally {
      await c.stop();
    }
  });
});

describe('a machine that reconnects to the other instance', () => {
  it('is handed over: its old socket closes as replaced, it never goes offline, and commands follow it', async () => {
    const issued = a.admin.issueToken(a.admin.defaultAccount(), 'machine', 'laptop');
    const onA = new ScriptedMachine(a.url, issued.token, issued.machineId!);
    await onA.connect();
    const s = await liveSession(a, onA);
    const onB = new ScriptedMachine(b.url, issued.token, issued.machineId!);
    await onB.connect({ sessions: [{ sessionId: s.id, vendorResumeId: 'vendor-1', running: true }] });
    const closed = await waitFor(() => (onA.connected ? null : true), 'the old socket on A to close');
    expect(closed).toBe(true);
    const machine = (await a.phone.get('/api/machines')).body.machines.find((m: { id: string }) => m.id === issued.machineId);
    expect(machine.online).toBe(true);
    const sent = await a.phone.post(`/api/sessions/${s.id}/messages`, { clientId: 'c3', text: 'follows' });
    expect((await onB.next('deliver')).messageId).toBe(sent.body.message.id);
    expect((await waitForSession(a, s.id, (x) => x.status === 'active')).status).toBe('active');
  });
});

describe('an instance killed mid-resume', () => {
  const startDoomed = doomedInstances();

  it('leaves its machine to be swept offline by the survivor once the lease ran out, and the resume fails closed there', async () => {
    const proc = await startDoomed(['--database', url, '--lease-seconds', '1.5', '--resume-timeout-ms', '3000']);
    const issued = a.admin.issueToken(a.admin.defaultAccount(), 'machine', 'box');
    const onDead = new ScriptedMachine(proc.url, issued.token, issued.machineId!);
    await onDead.connect();
    // The welcome is sent before the hello's transaction commits in that process: A sees the machine a moment later.
    await waitFor(async () => (await a.phone.get('/api/machines')).body.machines.find((x: { id: string; online: boolean }) => x.id === issued.machineId && x.online), 'A to see the machine online');
    const s = await inactiveSession(a, onDead, 'vendor-9');
    const sent = await a.phone.post(`/api/sessions/${s.id}/messages`, { clientId: 'c4', text: 'mid resume' });
    await onDead.next('resume');
    await proc.kill('SIGKILL');
    // A sweeps: the machine goes offline, the attempt fails (the machine went away), the message is never delivered.
    const machine = await waitFor(async () => {
      const m = (await a.phone.get('/api/machines')).body.machines.find((x: { id: string }) => x.id === issued.machineId);
      return m && !m.online ? m : null;
    }, 'the machine swept offline', 15_000);
    expect(machine.online).toBe(false);
    const msg = await waitFor(async () => (await messagesOf(a, s.id)).find((m) => m.id === sent.body.message.id && m.state !== 'awaiting-resume'), 'the message settled', 15_000);
    expect(['failed', 'held']).toContain(msg.state);
    const again = apiClient(a.url, a.phoneToken);
    expect((await again.get(`/api/sessions/${s.id}`)).body.session.status).toBe('inactive');
  });
});
