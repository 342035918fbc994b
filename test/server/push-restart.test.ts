// Regression: one notification per event per device across a server SIGKILL and restart — the events table
// remembers what was sent, re-sent agent frames notify nothing, and what was queued when it died goes out after.
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startPushEndpoint, type PushEndpoint } from '../helpers/push-endpoint.ts';
import { apiClient, ScriptedMachine, startServerProcess, tempHome, waitFor, type ServerProcess } from '../helpers/server-harness.ts';
import { databaseFor } from '../helpers/test-database.ts';
import { openTestDatabase, TEST_POSTGRES } from '../helpers/test-database.ts';
import { CLAIM_MS } from '../../src/server/push/push-events.ts';

let proc: ServerProcess | null = null;
let pushService: PushEndpoint | null = null;
afterEach(async () => {
  await proc?.kill('SIGTERM');
  await pushService?.stop();
});

async function seedHome(home: string) {
  const { startServer } = await import('../../src/server/index.ts');
  const s = await startServer({ home, ...databaseFor(home), port: 0, log: () => {} });
  const account = s.admin.defaultAccount();
  const phone = s.admin.issueToken(account, 'phone', 'pixel');
  const machine = s.admin.issueToken(account, 'machine', 'laptop');
  await s.stop();
  return { phoneToken: phone.token, machineToken: machine.token, machineId: machine.machineId! };
}

it('a server SIGKILLed and restarted notifies each event once; what it had queued is sent after the restart', async () => {
  const home = tempHome();
  const seed = await seedHome(home);
  pushService = await startPushEndpoint();
  proc = await startServerProcess(home);
  const phone = apiClient(proc.url, seed.phoneToken);
  expect((await phone.post('/api/push/subscription', pushService.subscription('pixel'))).status).toBe(201);
  const key = (await phone.get('/api/push')).body.vapidPublicKey as string;

  let laptop = new ScriptedMachine(proc.url, seed.machineToken, seed.machineId);
  await laptop.connect();
  const created = await phone.post('/api/sessions', { machineId: seed.machineId, provider: 'claude', cwd: '/work/app', title: 'Deploy' });
  const id = created.body.session.id as string;
  const start = await laptop.startNext('vendor-k');
  expect(start.sessionId).toBe(id);
  const ask = (n: number) => laptop.event(id, `ev-${n}`, { kind: 'permission-request', permissionId: `perm-${n}`, tool: 'Bash', input: `step ${n}` });

  ask(1);
  const first = await pushService.next('pixel', (p) => p.permission?.permissionId === 'perm-1');
  expect(first.vapid.k).toBe(key);

  // The next push is in flight, its push service silent, when the server dies.
  pushService.answer('pixel', ['hold']);
  ask(2);
  await waitFor(() => pushService!.held() === 1, 'the second push in flight');
  await proc.kill('SIGKILL');
  await laptop.waitClosed();

  proc = await startServerProcess(home);
  laptop = new ScriptedMachine(proc.url, seed.machineToken, seed.machineId);
  await laptop.connect({ sessions: [{ sessionId: id, vendorResumeId: 'vendor-k', running: true }] });
  // The daemon re-sends what it cannot be sure the old server stored.
  ask(1);
  ask(2);
  ask(3);
  const third = await pushService.next('pixel', (p) => p.permission?.permissionId === 'perm-3');
  expect(third.vapid.k).toBe(key); // the same VAPID keys after the restart: the subscription still works
  // On Postgres the event in flight was claimed by the killed instance: it is sent again once the claim ran out.
  const second = await pushService.next('pixel', (p) => p.permission?.permissionId === 'perm-2', TEST_POSTGRES ? CLAIM_MS + 10_000 : 10_000);
  expect(second.payload.eventId).not.toBe(first.payload.eventId);

  // Settled: the new process has nothing left to send (its events table says so).
  const db = openTestDatabase(home);
  try {
    const rows = await waitFor(() => {
      const all = db.prepare('SELECT event_id, state FROM push_events ORDER BY created_at').all() as { event_id: string; state: string }[];
      return all.length === 3 && all.every((r) => r.state === 'sent') ? all : null;
    }, 'three events sent');
    expect(rows.map((r) => r.event_id)).toEqual([first.payload.eventId, second.payload.eventId, third.payload.eventId]);
  } finally {
    db.close();
  }
  const perEvent = new Map<string, number>();
  for (const p of pushService.delivered('pixel')) perEvent.set(p.payload.eventId, (perEvent.get(p.payload.eventId) ?? 0) + 1);
  expect([...perEvent.values()]).toEqual([1, 1, 1]);
}, 60_000);
