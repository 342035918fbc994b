// Regression: the server SIGKILLed mid-resume loses nothing and delivers nothing twice once it is back.
import { afterEach, describe, expect, it } from 'vitest';
import { apiClient, ScriptedMachine, startServerProcess, tempHome, type ServerProcess } from '../helpers/server-harness.ts';
import { join } from 'node:path';
import { databaseFor } from '../helpers/test-database.ts';
import { openTestDatabase } from '../helpers/test-database.ts';

let proc: ServerProcess | null = null;
afterEach(async () => {
  await proc?.kill('SIGTERM');
});

/** Tokens made straight on the database, as `baton pair` would, before the server process starts. */
async function seedHome(home: string) {
  const { startServer } = await import('../../src/server/index.ts');
  const s = await startServer({ home, ...databaseFor(home), port: 0, log: () => {} });
  const account = s.admin.defaultAccount();
  const phone = s.admin.issueToken(account, 'phone', 'phone');
  const machine = s.admin.issueToken(account, 'machine', 'laptop');
  await s.stop();
  return { phoneToken: phone.token, machineToken: machine.token, machineId: machine.machineId! };
}

describe('a server killed mid-resume', () => {
  it('keeps the attempt and its messages, re-sends the same resume, and delivers each message once', async () => {
    const home = tempHome();
    const seed = await seedHome(home);
    proc = await startServerProcess(home, ['--resume-timeout-ms', '30000']);
    let phone = apiClient(proc.url, seed.phoneToken);
    let laptop = new ScriptedMachine(proc.url, seed.machineToken, seed.machineId);
    await laptop.connect();

    const created = await phone.route('startSession', { body: { machineId: seed.machineId, provider: 'claude', cwd: '/work/app' } });
    const start = await laptop.next('start');
    laptop.started(start.requestId, start.sessionId, 'vendor-k');
    laptop.resumable(start.sessionId, 'vendor-k');
    laptop.stopped(start.sessionId, 'exited');
    const id = created.body.session.id as string;
    await until(async () => (await phone.route('getSession', { id })).body.session.availability.state === 'resumable');

    const one = await phone.route('sendMessage', { id, body: { clientId: 'c1', text: 'one' } });
    const two = await phone.route('sendMessage', { id, body: { clientId: 'c2', text: 'two' } });
    expect([one.body.message.state, two.body.message.state]).toEqual(['awaiting-resume', 'awaiting-resume']);
    const resume = await laptop.next('resume');

    await proc.kill('SIGKILL');
    await laptop.waitClosed();
    proc = await startServerProcess(home, ['--resume-timeout-ms', '30000']);
    phone = apiClient(proc.url, seed.phoneToken);

    // Nothing lost: both messages still wait on the same pending attempt; the phone's retry is idempotent.
    const retry = await phone.route('sendMessage', { id, body: { clientId: 'c2', text: 'two' } });
    expect(retry.status).toBe(200);
    expect(retry.body.message.id).toBe(two.body.message.id);
    const attempts = (await phone.route('listResumeAttempts', { id })).body.attempts;
    expect(attempts).toEqual([expect.objectContaining({ id: resume.attemptId, state: 'pending' })]);

    laptop = new ScriptedMachine(proc.url, seed.machineToken, seed.machineId);
    await laptop.connect();
    const again = await laptop.next('resume');
    expect(again.attemptId).toBe(resume.attemptId);
    laptop.resumed(again.attemptId, id, 'vendor-k');
    const d1 = await laptop.next('deliver');
    const d2 = await laptop.next('deliver');
    expect([d1.text, d2.text]).toEqual(['one', 'two']);
    laptop.ack(id, d1.messageId);
    laptop.ack(id, d2.messageId);
    await until(async () => (await phone.route('listMessages', { id })).body.messages.filter((m: any) => m.state === 'delivered').length === 2);

    // A second kill after delivery: the reconnect re-sends nothing that was acked.
    await proc.kill('SIGKILL');
    await laptop.waitClosed();
    proc = await startServerProcess(home);
    laptop = new ScriptedMachine(proc.url, seed.machineToken, seed.machineId);
    await laptop.connect({ sessions: [{ sessionId: id, vendorResumeId: 'vendor-k', running: true }] });
    const marker = await apiClient(proc.url, seed.phoneToken).route('sendMessage', { id, body: { clientId: 'c3', text: 'three' } });
    expect((await laptop.next('deliver')).messageId).toBe(marker.body.message.id);
    expect(laptop.all('resume')).toHaveLength(0);

    const db = openTestDatabase(home);
    const rows = db.prepare("SELECT client_id, state FROM messages WHERE origin = 'user' ORDER BY seq").all();
    db.close();
    expect(rows).toEqual([{ client_id: 'c1', state: 'delivered' }, { client_id: 'c2', state: 'delivered' }, { client_id: 'c3', state: 'accepted' }]);
  }, 60_000);
});

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
