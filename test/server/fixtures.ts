// Shared set-ups for server tests: sessions in a known state, and a dump of the database to compare.
import { openTestDatabase } from '../helpers/test-database.ts';
import type { SessionRecord } from '../../src/core/index.ts';
import { startTestServer, type ScriptedMachine, type TestServer } from '../helpers/server-harness.ts';

/** A session started through the API, its agent running, resumable under `vendorId`. */
export async function liveSession(ts: TestServer, laptop: ScriptedMachine, vendorId = 'vendor-1', body: Record<string, unknown> = {}): Promise<SessionRecord> {
  const res = await ts.phone.post('/api/sessions', { machineId: laptop.machineId, provider: 'claude', cwd: '/work/app', ...body });
  if (res.status !== 201) throw new Error(`start failed: ${JSON.stringify(res.body)}`);
  const start = await laptop.next('start', (m) => m.sessionId === res.body.session.id);
  laptop.started(start.requestId, start.sessionId, vendorId);
  laptop.resumable(start.sessionId, vendorId);
  return waitForSession(ts, start.sessionId, (s) => s.status === 'active' && s.vendorResumeId === vendorId);
}

/** A session whose agent exited: inactive, resumable by id. */
export async function inactiveSession(ts: TestServer, laptop: ScriptedMachine, vendorId = 'vendor-1', body: Record<string, unknown> = {}): Promise<SessionRecord> {
  const s = await liveSession(ts, laptop, vendorId, body);
  laptop.stopped(s.id, 'exited');
  return waitForSession(ts, s.id, (x) => x.status === 'inactive');
}

export async function waitForSession(ts: TestServer, id: string, ok: (s: SessionRecord) => boolean, timeoutMs = 10_000): Promise<SessionRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await ts.phone.get(`/api/sessions/${id}`);
    if (res.status === 200 && ok(res.body.session)) return res.body.session as SessionRecord;
    if (Date.now() > deadline) throw new Error(`session ${id} never reached the expected state: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function messagesOf(ts: TestServer, id: string) {
  const res = await ts.phone.get(`/api/sessions/${id}/messages`);
  return res.body.messages as import('../../src/core/index.ts').MessageRecord[];
}

/** Only what people sent (no agent output or notices). */
export async function userMessagesOf(ts: TestServer, id: string) {
  return (await messagesOf(ts, id)).filter((m) => m.role === 'user');
}

/** Every row of every table, in a stable order: equal dumps mean nothing changed. */
export function dumpDatabase(home: string): string {
  const db = openTestDatabase(home);
  try {
    const tables = db.prepare<[], { name: string }>(db.dialect === 'sqlite'
      ? "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
      : 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name').all();
    const out: Record<string, unknown[]> = {};
    // Not what a request changes: instances renew their machine leases every second, and pass messages through relay.
    const cluster = new Set(['machine_leases', 'relay']);
    for (const { name } of tables) if (!cluster.has(name)) out[name] = db.prepare(`SELECT * FROM "${name}" ORDER BY 1`).all();
    return JSON.stringify(out);
  } finally {
    db.close();
  }
}

/** A fresh server with its one machine, `laptop`, connected: what most server tests start each test from. */
export async function serverWithLaptop(): Promise<{ ts: TestServer; laptop: ScriptedMachine }> {
  const ts = await startTestServer();
  const laptop = ts.machine('laptop');
  await laptop.connect();
  return { ts, laptop };
}

/** Its teardown; `revokedMayFail`: the test may have revoked the machine, so its disconnect may throw. */
export async function stopServerWithLaptop(ts: TestServer, laptop: ScriptedMachine, revokedMayFail = false): Promise<void> {
  await (revokedMayFail ? laptop.disconnect().catch(() => {}) : laptop.disconnect());
  await ts.stop();
}
