// Catch-up: 10,000 sessions in one account, a phone away while 10 of them change; bytes and time of
// GET /api/sync?since=<cursor> to be current again, against a full sync.
import { gzipSync } from 'node:zlib';
import type { SyncResponse } from '../src/core/index.ts';
import { BenchMachine, createSessions, http, now } from './lib/clients.ts';
import { holds, info, runBench, type Figure } from './lib/report.ts';
import { startServerProcess } from './lib/server-process.ts';
import { median } from './lib/stats.ts';

const SESSIONS = 10_000;
const CHANGED = 10;
const REPEATS = 15;

export async function catchup() {
  const srv = await startServerProcess();
  let machine: BenchMachine | null = null;
  try {
    const { token } = (await srv.phoneTokens(1))[0]!;
    const api = http(srv.url, token);
    const m = await srv.machineToken('laptop');
    machine = new BenchMachine(srv.url, m.token);
    await machine.connect();
    // Inserted through the real API and machine protocol: POST /api/sessions, answered by a scripted daemon
    // (start → started + resumable), so every row went through the server's own code paths.
    const t0 = now();
    const ids = await createSessions(api, machine, SESSIONS, 16);
    const seedMs = now() - t0;

    // The phone syncs fully, then goes away.
    const full = await api.get<SyncResponse>('/api/sync?since=0');
    const cursor = full.body.cursor;

    // While it is away: 5 sessions renamed (phone API) and 5 get agent output (machine protocol).
    const changed = new Set<string>();
    for (let i = 0; i < CHANGED; i++) {
      const id = ids[Math.floor(((i + 0.5) * SESSIONS) / CHANGED)]!;
      changed.add(id);
      if (i % 2 === 0) await api.patch(`/api/sessions/${id}`, { title: `renamed while away ${i}` });
      else machine.send({ type: 'agent-event', sessionId: id, eventId: `away-${i}`, event: { kind: 'text', text: `output while away ${i}` } });
    }
    const lastChanged = [...changed].at(-1)!;
    // The machine's frames are applied asynchronously: wait until its last one shows.
    for (let guard = 0; guard < 500; guard++) {
      const s = await api.get<{ session: { cursor: number } }>(`/api/sessions/${lastChanged}`);
      if (s.body.session.cursor > cursor) break;
      await new Promise((r) => setTimeout(r, 10));
    }

    // Back: catch up. The first request is what the phone pays; repeats give a steadier time.
    const first = await api.get<SyncResponse>(`/api/sync?since=${cursor}`);
    const times = [first.ms];
    for (let i = 1; i < REPEATS; i++) times.push((await api.get(`/api/sync?since=${cursor}`)).ms);
    const got = new Set(first.body.sessions.map((s) => s.id));
    const onlyChanged = got.size === changed.size && [...changed].every((id) => got.has(id)) && first.body.machines.length === 0;

    const fullTimes = [full.ms];
    for (let i = 1; i < 5; i++) fullTimes.push((await api.get('/api/sync?since=0')).ms);
    const fullBytes = full.bytes;
    const gz = (b: unknown) => gzipSync(JSON.stringify(b)).length;

    // Not a budget: a machine that reconnects changes the availability of all its sessions, so they are all resent.
    const offlineAt = (await api.get<SyncResponse>(`/api/sync?since=${cursor}`)).body.cursor;
    machine.close();
    for (let guard = 0; guard < 500; guard++) {
      const ms = await api.get<{ machines: Array<{ online: boolean }> }>('/api/machines');
      if (!ms.body.machines[0]!.online) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const afterFlap = await api.get<SyncResponse>(`/api/sync?since=${offlineAt}`);

    const figures: Figure[] = [
      holds('only-changed', `catch-up returns exactly the ${CHANGED} changed sessions`, onlyChanged, `${got.size} of ${SESSIONS}`, 'sessions',
        'catch-up sends only what changed', `5 renamed over the API, 5 with new agent output over the machine socket; machines in the answer: ${first.body.machines.length}`),
      info('catchup-bytes', 'catch-up body (raw)', first.bytes / 1024, 'kB', `gzip would be ${(gz(first.body) / 1024).toFixed(1)} kB; the server does not compress responses itself`),
      info('catchup-ms-first', 'catch-up time, first request', first.ms, 'ms', 'fetch from the bench process to the server child over loopback, to the last byte'),
      info('catchup-ms', `catch-up time, median of ${REPEATS}`, median(times), 'ms'),
      info('full-bytes', `full sync of ${SESSIONS} sessions (raw)`, fullBytes / 1024, 'kB', `gzip ${(gz(full.body) / 1024).toFixed(0)} kB`),
      info('full-ms', 'full sync time, median of 5', median(fullTimes), 'ms'),
      info('ratio', 'full sync ÷ catch-up, bytes', fullBytes / first.bytes, '×'),
      info('flap-sessions', 'after the machine dropped: sessions resent', afterFlap.body.sessions.length, `(${(afterFlap.bytes / 1024).toFixed(0)} kB)`,
        'expected, not a miss: presence changes every session of that machine to "blocked: machine-offline", so all are resent'),
      info('seed', `seeding ${SESSIONS} sessions through the API`, seedMs / 1000, 's'),
    ];
    return { title: `Catch-up (${CHANGED} of ${SESSIONS} sessions changed)`, figures, meta: { seedMethod: 'POST /api/sessions + scripted machine (started, resumable)', times, fullTimes } };
  } finally {
    machine?.close();
    await srv.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench('catchup', catchup);
