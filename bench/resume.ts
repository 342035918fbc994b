// Resume overhead: the phone's POST to `delivered`, 200 resumes, first with a scripted machine (server + wire
// only), then with the real daemon and the instant fake claude (vendor start measured apart and excluded).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MessageRecord, PhoneDown } from '../src/core/index.ts';
import { createFakeEnv, FAKES_BIN, readRecord, type FakeEnv } from '../test/helpers/fake-env.ts';
import { BenchMachine, connectPhone, createSessions, http, now, onlineThrough, until, type Http, type Phone } from './lib/clients.ts';
import { sized } from './lib/mode.ts';
import { against, atMost, info, REPO, runBench, type Baseline, type Figure } from './lib/report.ts';
import { benchServerConfig, startServerProcess, type ServerProcess } from './lib/server-process.ts';
import { summarize, type Summary } from './lib/stats.ts';

const RESUMES = Number(process.env.BATON_BENCH_RESUMES ?? sized(200, 20));
const WARMUP = sized(5, 2);
/** One vendor start measured alone after every this many resumes: the samples meet the same load as the resumes. */
const VENDOR_EVERY = sized(4, 2);
/** The server each run starts: every resume is a message, so the per-device send limit is set far above them. */
const SERVER = benchServerConfig({ rateLimits: { sendBurst: 10_000, sendPerSecond: 1_000 } });
const BUDGET_MS = 50;

/** Waits for message frames of one client id reaching a state; resolves with the receive time. */
function deliveryWatcher() {
  const waiting = new Map<string, { state: string; resolve: (at: number) => void }>();
  const onFrame = (f: PhoneDown, at: number) => {
    if (f.type !== 'message' || !f.message.clientId) return;
    const w = waiting.get(`${f.message.clientId}:${f.message.state}`);
    if (w) {
      waiting.delete(`${f.message.clientId}:${f.message.state}`);
      w.resolve(at);
    }
  };
  const wait = (clientId: string, state: MessageRecord['state'], timeoutMs = 15_000) =>
    new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`message ${clientId} did not become ${state} in ${timeoutMs} ms`)), timeoutMs);
      waiting.set(`${clientId}:${state}`, { state: state!, resolve: (at) => (clearTimeout(timer), resolve(at)) });
    });
  return { onFrame, wait };
}

const resumable = (api: Http, id: string) =>
  until(async () => (await api.route('getSession', { id })).body.session.availability.state === 'resumable', 'the session to be resumable', 15_000, 2);

/** Options of a scripted run: bench/cluster.ts puts the machine on another instance and runs it in rounds. */
export interface ScriptedOptions {
  /** The instance the machine connects to (default the phone's, `srv`): the other one of a cluster. */
  readonly machineOn?: ServerProcess;
  readonly resumes?: number;
  readonly warmup?: number;
}

/** Resumes through a scripted machine; the phone's HTTP and events socket on `srv`, the machine on `opts.machineOn`. */
export async function scripted(srv: ServerProcess, opts: ScriptedOptions = {}) {
  const resumes = opts.resumes ?? RESUMES;
  const warmup = opts.warmup ?? WARMUP;
  const { token } = (await srv.phoneTokens(1))[0]!;
  const api = http(srv.url, token);
  const machineSrv = opts.machineOn ?? srv;
  const m = await machineSrv.machineToken('laptop');
  const machine = new BenchMachine(machineSrv.url, m.token);
  const watch = deliveryWatcher();
  let phone: Phone | null = null;
  try {
    await machine.connect();
    // On another instance, the welcome comes before the hello's commit (lease, online): wait until the phone's sees it.
    if (machineSrv !== srv) await onlineThrough(api, machine.machineId);
    const [id] = await createSessions(api, machine, 1);
    phone = await connectPhone(srv.url, token, watch.onFrame);
    let tResume = 0;
    let tDeliver = 0;
    let tReply = 0;
    machine.on('resume', (r, at) => {
      tResume = at;
      machine.send({ type: 'resume-result', attemptId: r.attemptId, sessionId: r.sessionId, ok: true, vendorResumeId: r.vendorResumeId });
      tReply = now();
    });
    machine.on('deliver', (d, at) => {
      tDeliver = at;
      machine.send({ type: 'ack', sessionId: d.sessionId, messageId: d.messageId });
    });
    const total: number[] = [];
    const hop = { toResume: [] as number[], resultToDeliver: [] as number[], ackToPhone: [] as number[], machine: [] as number[] };
    for (let i = 0; i < resumes + warmup; i++) {
      machine.send({ type: 'stopped', sessionId: id, reason: 'requested', detail: null });
      await resumable(api, id!);
      const clientId = `bench-scripted-${i}`;
      const delivered = watch.wait(clientId, 'delivered');
      const t0 = now();
      await api.route('sendMessage', { id: id!, body: { clientId, text: `resume ${i}` } });
      const t3 = await delivered;
      if (i < warmup) continue;
      total.push(t3 - t0);
      hop.toResume.push(tResume - t0);
      hop.resultToDeliver.push(tDeliver - tReply);
      hop.ackToPhone.push(t3 - tDeliver);
      hop.machine.push(tReply - tResume);
    }
    // The wire alone: a ping/pong on the events socket and GET /api/health, both round trips on loopback.
    const ws: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t0 = now();
      await new Promise<void>((resolve) => {
        const on = (d: Buffer) => {
          if (JSON.parse(d.toString()).type === 'pong') {
            phone!.ws.off('message', on);
            resolve();
          }
        };
        phone!.ws.on('message', on);
        phone!.ws.send(JSON.stringify({ type: 'ping' }));
      });
      ws.push(now() - t0);
    }
    const health: number[] = [];
    for (let i = 0; i < 100; i++) health.push((await api.route('health')).ms);
    return {
      total: summarize(total), hops: Object.fromEntries(Object.entries(hop).map(([k, v]) => [k, summarize(v)])) as Record<keyof typeof hop, Summary>, wsRtt: summarize(ws), httpRtt: summarize(health),
      samples: { total, ...hop },
    };
  } finally {
    phone?.close();
    machine.close();
  }
}

/** The fake claude alone: spawn with --resume, send initialize, wait for its success (what the driver waits for). */
async function vendorStartOnce(fake: FakeEnv, vendorId: string): Promise<number> {
  const t0 = now();
  const child = spawn(join(FAKES_BIN, 'claude'), ['-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose', '--permission-prompt-tool', 'stdio', '--resume', vendorId], {
    cwd: fake.cwd, env: { ...process.env, ...fake.env }, stdio: ['pipe', 'pipe', 'ignore'],
  });
  const exited = new Promise((r) => child.once('exit', r));
  child.stdin.write(`${JSON.stringify({ type: 'control_request', request_id: 'bench', request: { subtype: 'initialize', hooks: null } })}\n`);
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('the fake claude did not answer initialize in 10 s')), 10_000);
    child.stdout.on('data', (d) => {
      buf += d;
      if (buf.includes('"control_response"')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const ms = now() - t0;
  child.stdin.end();
  child.kill('SIGTERM');
  await exited;
  return ms;
}

async function withDaemon(srv: ServerProcess) {
  const fake = await createFakeEnv();
  const laptopHome = mkdtempSync(join(tmpdir(), 'baton-bench-laptop-'));
  const { token } = (await srv.phoneTokens(1))[0]!;
  const api = http(srv.url, token);
  const watch = deliveryWatcher();
  let phone: Phone | null = null;
  let daemon: ChildProcess | null = null;
  let stderr = '';
  try {
    const { code } = await srv.pairingCode('machine');
    daemon = spawn(process.execPath, [join(REPO, 'bin/baton.mjs'), 'daemon', '--server', srv.url, '--code', code, '--name', 'laptop'], {
      cwd: fake.cwd, env: { ...process.env, ...fake.env, BATON_HOME: laptopHome }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    daemon.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-20_000)));
    const machine = await until(async () => (await api.route('listMachines')).body.machines.find((x) => x.online), 'the daemon to come online', 30_000, 50);
    phone = await connectPhone(srv.url, token, watch.onFrame);
    const { body } = await api.route('startSession', { body: { machineId: machine.id, provider: 'claude', backend: 'claude-stream', cwd: fake.cwd, title: 'resume bench' } });
    const id = body.session.id;
    await until(async () => (await api.route('getSession', { id })).body.session.status === 'active', 'the session to start', 20_000, 10);
    const answered = watch.wait('bench-first', 'answered', 20_000);
    await api.route('sendMessage', { id, body: { clientId: 'bench-first', text: 'first turn' } });
    await answered;
    const vendorResumeId = (await until(async () => (await api.route('getSession', { id })).body.session.vendorResumeId, 'the vendor to persist the session', 20_000, 10));

    const total: number[] = [];
    const vendorSamples: number[] = [];
    const posts: Array<{ epoch: number; deliveredEpoch: number }> = [];
    for (let i = 0; i < RESUMES + WARMUP; i++) {
      await api.route('stopSession', { id });
      await resumable(api, id);
      const clientId = `bench-daemon-${i}`;
      const delivered = watch.wait(clientId, 'delivered');
      const done = watch.wait(clientId, 'answered');
      const t0 = now();
      const epoch = Date.now();
      await api.route('sendMessage', { id, body: { clientId, text: `resume ${i}` } });
      const t3 = await delivered;
      const deliveredEpoch = epoch + (t3 - t0);
      await done; // let the turn finish so the next stop does not race it
      if (i < WARMUP) continue;
      if ((i - WARMUP) % VENDOR_EVERY === 0) vendorSamples.push(await vendorStartOnce(fake, vendorResumeId));
      total.push(t3 - t0);
      posts.push({ epoch, deliveredEpoch });
    }
    // The fake wrote `resumed` (with Date.now()) once the conversation was loaded: it splits the path in two.
    const resumed = (await fake.record('claude')).filter((r) => r.event === 'resumed').slice(WARMUP);
    const toVendor: number[] = [];
    const fromVendor: number[] = [];
    if (resumed.length === posts.length) {
      posts.forEach((p, i) => {
        toVendor.push(resumed[i]!.at - p.epoch);
        fromVendor.push(p.deliveredEpoch - resumed[i]!.at);
      });
    }
    const created = (await fake.record('claude')).filter((r) => r.event === 'created').length;
    const vendor = summarize(vendorSamples);
    return { total: summarize(total), toVendor: summarize(toVendor), fromVendor: summarize(fromVendor), vendor, overhead: summarize(total.map((t) => t - vendor.p50)), created, resumedRecorded: resumed.length };
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- daemon stderr ---\n${stderr.slice(-3000)}`);
  } finally {
    phone?.close();
    if (daemon && daemon.exitCode === null && daemon.signalCode === null) {
      const gone = new Promise((r) => daemon!.once('exit', r));
      daemon.kill('SIGTERM');
      const killer = setTimeout(() => daemon!.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(killer);
    }
    // Agents the daemon left behind (it stops them on SIGTERM; this is the safety net), by pid, ours only.
    for (const pid of await fake.livePids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(laptopHome, { recursive: true, force: true });
    await fake.cleanup();
  }
}

export async function resume() {
  const figures: Figure[] = [];
  const meta: Record<string, unknown> = { resumes: RESUMES, warmup: WARMUP };
  const srv = await startServerProcess(SERVER);
  let wire: Baseline | null = null;
  try {
    const s = await scripted(srv);
    meta.scripted = { ...s, samples: undefined };
    // The same hops on the wire alone: the POST reaching the server (½ an HTTP round trip), then five one-way socket
    // frames (resume, resume-result, deliver, ack, the phone's `delivered`), each ½ a ping/pong.
    wire = { label: `the wire alone for the same hops: ½ GET /api/health round trip + 5 × ½ socket ping/pong (p50s ${s.httpRtt.p50.toFixed(2)} and ${s.wsRtt.p50.toFixed(2)} ms)`, value: (s.httpRtt.p50 + 5 * s.wsRtt.p50) / 2 };
    meta.wireBaselineMs = wire.value;
    figures.push(
      against(atMost('scripted-p50', 'scripted machine: POST → delivered, p50', s.total.p50, 'ms', BUDGET_MS, `≤ ${BUDGET_MS} ms p50`, `${RESUMES} resumes; server + wire only (the scripted machine answers at once); the ratio is what the server adds over the bare wire`), wire),
      info('scripted-p95', 'scripted machine: p95', s.total.p95, 'ms'),
      info('scripted-p99', 'scripted machine: p99', s.total.p99, 'ms'),
      info('hop-post-resume', '  hop: POST → `resume` at machine (server + wire), p50', s.hops.toResume.p50, 'ms'),
      info('hop-machine', '  hop: machine answers `resume-result` (daemon stand-in), p50', s.hops.machine.p50, 'ms'),
      info('hop-result-deliver', '  hop: resume-result → `deliver` at machine (server + wire), p50', s.hops.resultToDeliver.p50, 'ms'),
      info('hop-ack-phone', '  hop: ack → phone sees `delivered` (server + wire), p50', s.hops.ackToPhone.p50, 'ms'),
      info('wire-ws', '  wire alone: events-socket ping/pong round trip, p50', s.wsRtt.p50, 'ms'),
      info('wire-http', '  wire alone: GET /api/health round trip, p50', s.httpRtt.p50, 'ms'),
    );
  } finally {
    await srv.stop();
  }
  const srv2 = await startServerProcess(SERVER);
  try {
    const d = await withDaemon(srv2);
    meta.daemon = d;
    figures.push(
      against(atMost('daemon-overhead-p50', 'real daemon: POST → delivered minus vendor start, p50', d.overhead.p50, 'ms', BUDGET_MS, `≤ ${BUDGET_MS} ms p50`,
        `${RESUMES} resumes of one claude-stream session with the fake claude (instant; each resume spawns it); vendor start = the fake's own median start, measured alone after every ${VENDOR_EVERY} resumes (${RESUMES / VENDOR_EVERY} spawns, in the same conditions) and subtracted`), wire!),
      info('daemon-overhead-p95', 'real daemon: minus vendor start, p95', d.overhead.p95, 'ms'),
      info('daemon-overhead-p99', 'real daemon: minus vendor start, p99', d.overhead.p99, 'ms'),
      info('daemon-total-p50', 'real daemon: POST → delivered incl. vendor start, p50 / p95 / p99', `${d.total.p50.toFixed(1)} / ${d.total.p95.toFixed(1)} / ${d.total.p99.toFixed(1)}`, 'ms'),
      info('vendor-start', '  vendor: fake claude spawn → initialize answered, p50 (p95)', `${d.vendor.p50.toFixed(1)} (${d.vendor.p95.toFixed(1)})`, 'ms', 'a Node process start; a real claude CLI is slower, which is why it is excluded'),
      info('hop-to-vendor', '  hop: POST → vendor has the conversation loaded, p50', d.toVendor.n ? d.toVendor.p50 : null, 'ms', 'server + wire + daemon + vendor start; from the fake’s own `resumed` record (Date.now, 1 ms resolution)'),
      info('hop-from-vendor', '  hop: vendor loaded → phone sees `delivered`, p50', d.fromVendor.n ? d.fromVendor.p50 : null, 'ms', 'daemon writes the message, acks; server + wire to the phone'),
      info('daemon-only', '  daemon (estimate): total − scripted total − vendor start, p50', d.total.p50 - (meta.scripted as { total: Summary }).total.p50 - d.vendor.p50, 'ms'),
      info('no-fork', `  vendor sessions created by the ${RESUMES} resumes`, d.created - 1, '', 'strict resume: must be 0 (the one created is the first start)'),
    );
  } finally {
    await srv2.stop();
  }
  return { title: `Resume overhead (${RESUMES} resumes, vendor start excluded)`, figures, meta };
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench('resume', resume);
