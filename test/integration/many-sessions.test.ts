// A daemon that manages 50,000 sessions connects: its hello is paged (no cap locks it out), the server
// reconciles only once the last page arrived, and what only the last page says (a resume id the server
// missed) is applied. Real server, real daemon link, real sockets.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { asSessionId, asVendorId, type Backend, type MachineUp, type SessionRecord } from '../../src/core/index.ts';
import { createApiClient } from '../../src/cli/lib/api-client.ts';
import { createDaemon, type Daemon } from '../../src/machine/daemon.ts';
import { openDaemonStore } from '../../src/machine/daemon-store.ts';
import { helloFrames } from '../../src/machine/hello.ts';
import { silentLogger } from '../../src/machine/logger.ts';
import type { BackendDriver } from '../../src/machine/providers/backend.ts';
import { createMemoryDriver, createMemoryVendor } from '../../src/machine/providers/memory-driver.ts';
import { startServer, type RunningServer } from '../../src/server/index.ts';
import { eventually } from './stack.ts';
import { databaseFor } from '../helpers/test-database.ts';
import { openTestDatabase } from '../helpers/test-database.ts';

const N = 50_000;
let root = '';
let server: RunningServer | null = null;
let daemon: Daemon | null = null;
afterEach(async () => {
  await daemon?.stop();
  await server?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

it(`a daemon with ${N} sessions connects, and the server applies what its last hello page says`, async () => {
  root = mkdtempSync(join(tmpdir(), 'baton-many-'));
  server = await startServer({ home: join(root, 'server'), ...databaseFor(join(root, 'server')), port: 0, log: () => {}, heartbeatTimeoutMs: 30_000 });
  const account = server.admin.defaultAccount();
  const phone = createApiClient(server.url, server.admin.issueToken(account, 'phone', 'phone').token);
  const { token, machineId } = server.admin.issueToken(account, 'machine', 'laptop');

  // The server's side: the same sessions, none of them with a resume id yet (as if the `resumable` frames were lost).
  const db = openTestDatabase(join(root, 'server'));
  // Rows in batches (one statement per 100 rows: a round trip each on Postgres, where 50,000 took most of the test).
  const BATCH = 100;
  const row = "(?, ?, ?, 'claude', 'claude-stream', '/w', 't', 1, ?, ?, NULL, NULL, ?, ?, 1)";
  const insert = db.prepare(`INSERT INTO sessions (id, account_id, machine_id, provider, backend, cwd, title, managed, status, vendor_id, vendor_resume_id,
    start_request_id, created_at, last_activity_at, cursor) VALUES ${Array(BATCH).fill(row).join(', ')}`);
  db.transaction(() => {
    for (let first = 0; first < N; first += BATCH) {
      const params = Array.from({ length: BATCH }, (_, k) => first + k).flatMap((i) => [`ses-${i}`, account, machineId, i === 7 ? 'active' : 'inactive', `v-${i}`, i, i]);
      insert.run(...params);
    }
  })();
  db.close();

  // The daemon's side: 50,000 sessions it knows as resumable.
  const store = openDaemonStore(null);
  for (let i = 0; i < N; i++) {
    store.putSession({ sessionId: asSessionId(`ses-${i}`), provider: 'claude', backend: 'claude-stream', cwd: '/w', title: 't', vendorId: asVendorId(`v-${i}`), resumable: true, pid: null, startRequestId: null });
  }
  const drivers = new Map<Backend, BackendDriver>([['claude-stream', createMemoryDriver('claude-stream', createMemoryVendor())]]);
  daemon = createDaemon({ home: join(root, 'laptop'), serverUrl: server.url, token, name: 'laptop', drivers, store, log: silentLogger, controlSocket: false });

  // What will travel: a hello well under the frame limit, and pages after it.
  const frames = helloFrames({ token, name: 'laptop', capabilities: {} }, daemon.supervisor.reports());
  expect(frames.hello.more).toBe(true);
  expect(frames.pages.length).toBeGreaterThanOrEqual(N / 1_000 - 1);
  for (const f of [frames.hello, ...frames.pages] as MachineUp[]) expect(JSON.stringify(f).length).toBeLessThan(1024 * 1024);
  expect(frames.pages.at(-1)).toMatchObject({ type: 'session-reports', last: true });

  await daemon.start();
  await eventually(async () => daemon!.link.state() === 'ready', 'the daemon to be welcomed', 60_000);
  const last = await eventually(async () => {
    const { session } = await phone.call('getSession', { id: `ses-${N - 1}` });
    return session.vendorResumeId ? session : null;
  }, 'the last page to be applied', 60_000);
  expect(last.vendorResumeId).toBe(`v-${N - 1}`);
  // Reconciled with every report: online, and the session the server thought active is not running on the laptop.
  expect((await phone.call('getSession', { id: 'ses-7' })).session).toMatchObject({ status: 'inactive', vendorResumeId: 'v-7' });
  expect((await phone.call('listMachines')).machines.find((m) => m.id === machineId)?.online).toBe(true);
  expect(daemon.link.state()).toBe('ready');
}, 180_000);
