// Two server instances on one Postgres (issue 15), in one run against the single-instance baselines: resume overhead
// with the phone on instance A and the machine on instance B, 2 × 1,000 phone sockets hearing of commits made on the
// other instance, and a catch-up through A after changes committed through B (only what changed).
import pg from 'pg';
import type { PhoneDown } from '../src/core/index.ts';
import { openBridge } from '../src/server/db/pg-bridge.ts';
import { walk } from './catchup.ts';
import { BenchMachine, connectPhone, createSessions, http, now, onlineThrough, pool, until, type Phone } from './lib/clients.ts';
import { sized } from './lib/mode.ts';
import { against, holds, info, ratioAtMost, runBench, type Baseline, type Figure } from './lib/report.ts';
import { benchServerConfig, startServerProcess, type ServerProcess } from './lib/server-process.ts';
import { summarize, type Summary } from './lib/stats.ts';
import { createDatabase, startThrowawayPostgres } from '../test/helpers/throwaway-postgres.ts';
import { scripted } from './resume.ts';

/** Resumes per setup: in rounds, the setups taking turns, so a load swing on the shared machine hits all three. */
const ROUNDS = sized(4, 1);
const PER_ROUND = sized(50, 10);
const WARMUP = sized(3, 1);
const SOCKETS = sized(1_000, 200); // per instance
const HINT_COMMITS = sized(40, 6); // half made on each instance
const SESSIONS = sized(1_000, 100);
const CHANGED = 10;
/** Past the phone hub's `changed` window (100 ms): each commit's hint goes out at once, none trails into the next. */
const HINT_GAP_MS = 150;
const RATIO_BUDGET = 2;
/** Every server of the run alike (bench/resume.ts's limits would refuse the catch-up's 2,000 starts). */
const SERVER = benchServerConfig();
const kB = (n: number) => n / 1024;

interface Setup {
  readonly name: string;
  readonly phone: ServerProcess;
  readonly machine: ServerProcess;
  samples: { total: number[]; toResume: number[]; machine: number[]; resultToDeliver: number[]; ackToPhone: number[] };
  /** CPU time of the setup's server process(es) over its scripted runs (each: its resumes, session start, wire probes). */
  cpuMs: number;
}

async function resumes(setups: Setup[]): Promise<void> {
  for (let r = 0; r < ROUNDS; r++) {
    // A different setup first in each round: none always runs right after another's burst.
    for (let k = 0; k < setups.length; k++) {
      const s = setups[(r + k) % setups.length]!;
      const procs = [...new Set([s.phone, s.machine])];
      const cpu0 = await Promise.all(procs.map((x) => x.cpuMs()));
      const got = await scripted(s.phone, { machineOn: s.machine, resumes: PER_ROUND, warmup: WARMUP }).catch((err: Error) => {
        throw new Error(`resumes on ${s.name}, round ${r + 1}: ${err.message}`);
      });
      for (const key of Object.keys(s.samples) as Array<keyof Setup['samples']>) s.samples[key].push(...got.samples[key]);
      const cpu1 = await Promise.all(procs.map((x) => x.cpuMs()));
      s.cpuMs += cpu1.reduce((a, v, i) => a + v - cpu0[i]!, 0);
    }
  }
}

/** One commit's hint on its way to every socket. */
interface InFlight {
  t0: number;
  readonly from: 'A' | 'B';
  /** The cursor of the last commit's hint: a `changed` at or below it is not this one's. */
  readonly floor: number;
  readonly seen: Set<number>;
  readonly remote: number[];
  readonly local: number[];
  top: number;
  done: () => void;
}

/** `SOCKETS` phones on each instance, one account; commits alternate between machines on A and on B. */
async function sockets(a: ServerProcess, b: ServerProcess) {
  const tokens = await a.phoneTokens(2 * SOCKETS);
  const phones: Array<Phone & { on: 'A' | 'B' }> = [];
  let closedEarly = 0;
  // The commit in flight: each phone records its first `changed` past the last commit's cursor.
  let current: InFlight | null = null;
  const onFrame = (i: number, on: 'A' | 'B') => (f: PhoneDown, at: number) => {
    const c = current;
    if (f.type !== 'changed' || !c || f.cursor <= c.floor || c.seen.has(i)) return;
    c.seen.add(i);
    c.top = Math.max(c.top, f.cursor);
    (on === c.from ? c.local : c.remote).push(at - c.t0);
    if (c.seen.size === 2 * SOCKETS) c.done();
  };
  const machines: Record<'A' | 'B', BenchMachine> = {
    A: new BenchMachine(a.url, (await a.machineToken('laptop-on-a')).token),
    B: new BenchMachine(b.url, (await b.machineToken('laptop-on-b')).token),
  };
  try {
    await machines.A.connect();
    await machines.B.connect();
    const sessionOn = {
      A: (await createSessions(http(a.url, tokens[0]!.token), machines.A, 1))[0]!,
      B: (await createSessions(http(b.url, tokens[0]!.token), machines.B, 1))[0]!,
    };
    const before = { A: await a.memory(), B: await b.memory() };
    const t0 = now();
    await pool(tokens, 50, async ({ token }, i) => {
      const on = i < SOCKETS ? 'A' : 'B';
      const p = await connectPhone((on === 'A' ? a : b).url, token, onFrame(i, on));
      p.ws.once('close', () => closedEarly++);
      phones.push({ ...p, on });
    });
    const connectMs = now() - t0;
    const after = { A: await a.memory(), B: await b.memory() };
    await new Promise((r) => setTimeout(r, HINT_GAP_MS)); // the hints of the sessions just made are out

    const remote: number[] = [];
    const local: number[] = [];
    const remoteDone: number[] = [];
    let complete = 0;
    let floor = 0;
    for (let k = 0; k < HINT_COMMITS; k++) {
      const from: 'A' | 'B' = k % 2 === 0 ? 'B' : 'A';
      const round: InFlight = { t0: now(), from, floor, seen: new Set<number>(), remote: [], local: [], top: floor, done: () => {} };
      const finished = new Promise<void>((resolve) => (round.done = resolve));
      current = round;
      round.t0 = now();
      machines[from].send({ type: 'agent-event', sessionId: sessionOn[from], eventId: `hint-${k}`, event: { kind: 'text', text: `commit ${k} on ${from}` } });
      const timedOut = await Promise.race([finished.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 10_000))]);
      current = null;
      if (!timedOut) complete++;
      remote.push(...round.remote);
      local.push(...round.local);
      if (round.remote.length === SOCKETS) remoteDone.push(Math.max(...round.remote));
      floor = round.top;
      await new Promise((r) => setTimeout(r, HINT_GAP_MS));
    }
    const perSocket = (on: 'A' | 'B', k: 'rss' | 'heapUsed') => (after[on][k] - before[on][k]) / SOCKETS / 1024;
    return {
      open: phones.filter((p) => p.ws.readyState === p.ws.OPEN).length, closedEarly, connectMs, complete,
      remote: summarize(remote), local: summarize(local), remoteDone: summarize(remoteDone),
      memory: { A: { rss: perSocket('A', 'rss'), heap: perSocket('A', 'heapUsed'), rssMb: after.A.rss / 2 ** 20 }, B: { rss: perSocket('B', 'rss'), heap: perSocket('B', 'heapUsed'), rssMb: after.B.rss / 2 ** 20 } },
    };
  } finally {
    for (const p of phones) p.close();
    machines.A.close();
    machines.B.close();
  }
}

/** A phone on A away while sessions change through B: its catch-up through A holds exactly those. */
async function catchupAcross(a: ServerProcess, b: ServerProcess) {
  const { token, accountId } = (await a.phoneTokens(2, 2))[1]!; // an account of its own: the rows are only these
  const apiA = http(a.url, token);
  const apiB = http(b.url, token);
  const machine = new BenchMachine(b.url, (await b.machineToken('laptop-catchup', accountId)).token);
  try {
    await machine.connect();
    await onlineThrough(apiA, machine.machineId);
    const seedStart = now();
    const ids = await createSessions(apiA, machine, SESSIONS, 16);
    const seedMs = now() - seedStart;
    const full = await walk(a.url, token, 0);
    const cursor = full.last.cursor;
    const changed: string[] = [];
    for (let i = 0; i < CHANGED; i++) {
      const id = ids[Math.floor(((i + 0.5) * SESSIONS) / CHANGED)]!;
      changed.push(id);
      if (i % 2 === 0) await apiB.route('editSession', { id, body: { title: `renamed through B ${i}` } });
      else machine.send({ type: 'agent-event', sessionId: id, eventId: `away-${i}`, event: { kind: 'text', text: `output through B ${i}` } });
    }
    await until(async () => {
      for (const id of changed) if ((await apiA.route('getSession', { id })).body.session.cursor <= cursor) return false;
      return true;
    }, 'every change to be visible through A', 10_000, 10);
    const back = await walk(a.url, token, cursor);
    const got = new Set(back.sessions.map((s) => s.id));
    const onlyChanged = got.size === changed.length && changed.every((id) => got.has(id)) && back.last.machines.length === 0;
    return { full, back, got: got.size, machines: back.last.machines.length, onlyChanged, seedMs };
  } finally {
    machine.close();
  }
}

/** Postgres alone, the two costs the cluster's paths are made of: one statement through the server's synchronous
 * bridge (its worker, the connection, the wake-up), and a NOTIFY reaching a LISTENing connection. */
async function postgresAlone(url: string) {
  const bridge = openBridge(url);
  const statement: number[] = [];
  try {
    for (let i = 0; i < 300; i++) {
      const t0 = now();
      bridge.call({ op: 'query', text: 'SELECT 1 AS one', values: [] });
      if (i >= 20) statement.push(now() - t0);
    }
  } finally {
    bridge.close();
  }
  const listener = new pg.Client({ connectionString: url });
  const sender = new pg.Client({ connectionString: url });
  const notify: number[] = [];
  try {
    await listener.connect();
    await sender.connect();
    await listener.query('LISTEN bench');
    let waiting: ((at: number) => void) | null = null;
    listener.on('notification', () => waiting?.(now()));
    for (let i = 0; i < 120; i++) {
      const got = new Promise<number>((resolve) => (waiting = resolve));
      const t0 = now();
      await sender.query("SELECT pg_notify('bench', 'x')");
      const at = await got;
      if (i >= 20) notify.push(at - t0);
    }
  } finally {
    await Promise.allSettled([listener.end(), sender.end()]);
  }
  return { statement: summarize(statement), notify: summarize(notify) };
}

const emptySamples = (): Setup['samples'] => ({ total: [], toResume: [], machine: [], resultToDeliver: [], ackToPhone: [] });
const p = (s: Summary) => `${s.p50.toFixed(1)} / ${s.p95.toFixed(1)}`;

export async function cluster() {
  // Durable (fsync on), as a real deployment and as SQLite's synchronous=FULL: the baselines sync every commit alike.
  const pgc = await startThrowawayPostgres({ durable: true });
  const servers: ServerProcess[] = [];
  const start = async (config: typeof SERVER) => {
    const s = await startServerProcess(config);
    servers.push(s);
    return s;
  };
  try {
    const [singleUrl, sharedUrl] = [await createDatabase(pgc.url, 'bench_single'), await createDatabase(pgc.url, 'bench_cluster')];
    const alone = await postgresAlone(pgc.url);
    const sqlite = await start(SERVER);
    const pgSingle = await start({ ...SERVER, databaseUrl: singleUrl });
    const a = await start({ ...SERVER, databaseUrl: sharedUrl });
    const b = await start({ ...SERVER, databaseUrl: sharedUrl });
    const setups: Setup[] = [
      { name: 'sqlite', phone: sqlite, machine: sqlite, samples: emptySamples(), cpuMs: 0 },
      { name: 'postgres', phone: pgSingle, machine: pgSingle, samples: emptySamples(), cpuMs: 0 },
      { name: 'two', phone: a, machine: b, samples: emptySamples(), cpuMs: 0 },
    ];
    await resumes(setups);
    // The resume servers are done; a fresh pair on the same database holds the sockets, so the memory per socket is
    // not blurred by what the resumes left on the heap.
    for (const x of [sqlite, pgSingle, a, b]) await x.stop();
    const a2 = await start({ ...SERVER, databaseUrl: sharedUrl });
    const b2 = await start({ ...SERVER, databaseUrl: sharedUrl });
    const [lite, single, two] = setups.map((s) => ({ total: summarize(s.samples.total), hops: Object.fromEntries(Object.entries(s.samples).map(([k, v]) => [k, summarize(v)])) as Record<keyof Setup['samples'], Summary> }));
    const sqliteBase: Baseline = { label: `one instance on SQLite (the embedded default), same run: p50 ${lite!.total.p50.toFixed(2)} ms`, value: lite!.total.p50 };
    const pgBase: Baseline = { label: `one instance on Postgres, same run: p50 ${single!.total.p50.toFixed(2)} ms`, value: single!.total.p50 };
    const n = ROUNDS * PER_ROUND;

    const s = await sockets(a2, b2);
    const c = await catchupAcross(a2, b2);

    const hopRow = (id: string, label: string, k: keyof Setup['samples']) =>
      info(id, label, `${lite!.hops[k].p50.toFixed(2)} / ${single!.hops[k].p50.toFixed(2)} / ${two!.hops[k].p50.toFixed(2)}`, 'ms');
    const wholeAccount: Baseline = { label: `the whole account: ${SESSIONS.toLocaleString('en')} sessions (${c.full.pages.length} page(s), ${kB(c.full.wire).toFixed(0)} kB on the wire)`, value: kB(c.full.wire) };
    const figures: Figure[] = [
      ratioAtMost('two-p50', 'resume, phone on A + machine on B (one Postgres): POST → delivered, p50', two!.total.p50, sqliteBase, 'ms', RATIO_BUDGET, `≤ ${RATIO_BUDGET}× single-instance p50`,
        `${n} resumes per setup in ${ROUNDS} rounds, the setups taking turns; scripted machine (server + wire only, as bench/resume.ts's scripted run); Postgres durable (fsync on) as SQLite syncs each commit`),
      ratioAtMost('two-vs-pg', '  the same against one instance on Postgres, p50', two!.total.p50, pgBase, 'ms', RATIO_BUDGET, `≤ ${RATIO_BUDGET}× single-instance p50`,
        'what the second instance adds (the NOTIFY hops) over the same database and adapter with one instance'),
      info('two-p95', '  two instances: p95', two!.total.p95, 'ms'),
      against(info('pg-single-p50', '  one instance on Postgres: p50', single!.total.p50, 'ms', 'what the Postgres adapter (synchronous port through the worker bridge) adds over SQLite'), sqliteBase),
      info('pg-single-p95', '  one instance on Postgres: p95', single!.total.p95, 'ms'),
      info('sqlite-p50', '  one instance on SQLite: p50 / p95', p(lite!.total), 'ms'),
      hopRow('hop-post-resume', '  hop POST → `resume` at machine, p50 (SQLite / Postgres / two)', 'toResume'),
      hopRow('hop-result-deliver', '  hop resume-result → `deliver` at machine, p50 (SQLite / Postgres / two)', 'resultToDeliver'),
      hopRow('hop-ack-phone', '  hop ack → phone sees `delivered`, p50 (SQLite / Postgres / two)', 'ackToPhone'),
      info('server-cpu', '  server CPU per resume (SQLite / Postgres / two, both instances)', setups.map((x) => (x.cpuMs / (ROUNDS * (PER_ROUND + WARMUP))).toFixed(1)).join(' / '), 'ms',
        'process.cpuUsage of the server child(ren) over the scripted runs ÷ their resumes; includes each run’s session start and wire probes, the same in every setup'),
      holds('sockets-held', `phone sockets held: ${SOCKETS.toLocaleString('en')} on A + ${SOCKETS.toLocaleString('en')} on B`, s.open === 2 * SOCKETS && s.closedEarly === 0, `${s.open} of ${2 * SOCKETS}`, '', `holds 2 × ${SOCKETS.toLocaleString('en')}`,
        `all in one account, each with its own phone token; connected in ${(s.connectMs / 1000).toFixed(1)} s`),
      holds('hints-all', '  every socket got the hint of every commit (commits alternate between a machine on A and one on B)', s.complete === HINT_COMMITS, `${s.complete} of ${HINT_COMMITS} commits`, '', 'all',
        `a commit counts when all ${2 * SOCKETS} sockets got its \`changed\` within 10 s`),
      against(info('hint-remote', '  hint latency, commit on the other instance → `changed` at the phone, p50', s.remote.n ? s.remote.p50 : null, 'ms',
        `per socket, from the machine's agent-event frame leaving the bench process; ${s.remote.n} samples`), { label: `the same commit's hint to the ${SOCKETS.toLocaleString('en')} phones on the committing instance, p50 (p95 ${s.local.p95.toFixed(1)} ms)`, value: s.local.p50 }),
      info('hint-remote-p95', '  hint latency, other instance / same instance, p95', `${s.remote.p95.toFixed(1)} / ${s.local.p95.toFixed(1)}`, 'ms'),
      info('hint-remote-all', `  hint to the last of the ${SOCKETS.toLocaleString('en')} phones on the other instance, p50 / p95`, s.remoteDone.n ? p(s.remoteDone) : null, 'ms'),
      info('memory', '  server memory per socket, instance A / B: RSS (heap)', `${s.memory.A.rss.toFixed(1)} (${s.memory.A.heap.toFixed(1)}) / ${s.memory.B.rss.toFixed(1)} (${s.memory.B.heap.toFixed(1)})`, 'kB',
        `after two gc() passes, before and after the sockets connect, ÷ ${SOCKETS.toLocaleString('en')}; RSS with all sockets open ${s.memory.A.rssMb.toFixed(0)} / ${s.memory.B.rssMb.toFixed(0)} MB`),
      against(holds('only-changed', `catch-up through A after ${CHANGED} of ${SESSIONS.toLocaleString('en')} changed through B: exactly those`, c.onlyChanged, kB(c.back.wire), 'kB', 'catch-up sends only what changed',
        `${c.got} sessions and ${c.machines} machines in the answer (${c.back.pages.length} page(s), ${c.back.raw} B raw): 5 renamed over B's API, 5 with agent output from a machine on B`), wholeAccount),
      info('pg-statement', 'Postgres alone: one statement through the server’s synchronous bridge, p50 / p95', p(alone.statement), 'ms', 'SELECT 1 from the bench process through src/server/db/pg-bridge.ts (worker, connection, Atomics wake-up)'),
      info('pg-notify', 'Postgres alone: NOTIFY → the LISTENing connection has it, p50 / p95', p(alone.notify), 'ms', 'two pg clients in the bench process; the time from sending SELECT pg_notify to the notification arriving'),
      info('seed', `  seeding ${SESSIONS.toLocaleString('en')} sessions: POST on A, machine on B`, c.seedMs / 1000, 's'),
    ];
    return {
      title: `Two instances on one Postgres (${n} resumes per setup, 2 × ${SOCKETS.toLocaleString('en')} sockets, catch-up across instances)`,
      figures,
      meta: { postgresAlone: alone, rounds: ROUNDS, perRound: PER_ROUND, warmup: WARMUP, resumes: { sqlite: lite, postgres: single, two }, sockets: s, catchup: { got: c.got, wire: c.back.wire, raw: c.back.raw, fullWire: c.full.wire } },
    };
  } finally {
    for (const s of servers) await s.stop();
    pgc.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench('cluster', cluster);
