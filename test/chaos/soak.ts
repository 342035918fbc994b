// The seeded chaos soak: random phone operations and injected faults against a real server and two real
// daemons with the fake vendors, the five invariants checked after every step, and a table at the end.
import { createHash } from 'node:crypto';
import type { Backend } from '../../src/core/index.ts';
import type { FakeFault } from '../helpers/fake-env.ts';
import { startCluster } from './cluster.ts';
import { bump, rowOf, violate, type LedgerSession, type SoakContext } from './context.ts';
import { baseline, checkFull, checkStep, newMemory } from './invariants.ts';
import { openObserver } from './observe.ts';
import * as iop from './instance-ops.ts';
import * as op from './ops.ts';
import { createPhone } from './phone.ts';
import { mulberry32 } from './prng.ts';
import { buildReport, settledState, type SoakReport } from './report.ts';
import { settle } from './settle.ts';

export { formatPlacements, formatReport, type SoakReport } from './report.ts';

export interface SoakOptions {
  readonly seed: number;
  readonly ops: number;
  /** Run the expensive checks (transcripts, processes) every this many steps (and at the end). */
  readonly fullCheckEvery?: number;
  readonly log?: (line: string) => void;
  /** Server instances on one Postgres behind a balancer (default 1; 2 adds the instance kills). */
  readonly instances?: number;
  /** Postgres: `true` for a throw-away cluster (scripts/pg-cluster.sh), or a server's URL; default SQLite (one instance). */
  readonly postgres?: boolean | string;
}

/** At most this many agents run at once (each fake is a node process); more running sessions get stopped first. */
const MAX_ACTIVE = 5;
/** Ops target the most recent sessions, so a long run keeps exercising fresh ones. */
const WINDOW = 12;
const RESUMABLE: ReadonlySet<Backend> = new Set(['claude-stream', 'codex-app-server']);
const INACTIVE_FAULTS: readonly FakeFault[] = ['unknown-id', 'other-id', 'crash-on-resume', 'hang', 'slow-start', 'permission', 'crash-on-turn'];
const ACTIVE_FAULTS: readonly FakeFault[] = ['crash-on-turn', 'permission', 'permission'];
const START_FAULTS: readonly FakeFault[] = ['hang', 'slow-start', 'permission', 'crash-on-turn'];
const SIDES: readonly iop.Side[] = ['phone', 'machine'];

/**
 * Where the machines' sockets were when each op began (`laptop A, devbox B`…): how the balancer spread them. It follows
 * from reconnect timing, not the seed, so it is reported apart from the table.
 */
function tally(ctx: SoakContext, placements: Record<string, number>): void {
  if (ctx.cluster.instances.length < 2) return;
  const at = ctx.cluster.machines.map((m, i) => `${m.name} ${ctx.cluster.instances[ctx.cluster.machineInstance(i) ?? -1]?.name ?? '-'}`);
  bump(placements, at.join(', '));
}

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const began = Date.now();
  const log = o.log ?? (() => {});
  // Timeouts far from what a healthy vendor takes, even on a loaded 2-core box, so only `hang` ever times out and the
  // outcome of every step follows from the seed; `slow-start` still holds a handshake long enough for a mid-flight kill.
  const instances = o.instances ?? 1;
  const cluster = await startCluster({
    resumeTimeoutMs: 15_000, driverTimeoutMs: 3_500, slowMs: 400, phones: 3, instances, postgres: o.postgres ?? instances > 1,
  });
  const observer = openObserver(cluster.serverHome, cluster.databaseUrl);
  const ctx: SoakContext = {
    seed: o.seed, rng: mulberry32(o.seed), cluster, observer,
    phones: cluster.phoneTokens.map((t, i) => createPhone(`phone-${i + 1}`, cluster.phoneUrls[i]!, t)),
    sessions: [], sends: [], violations: [],
    counters: { ops: {}, faults: {}, refused: {}, permissions: {}, windows: {} },
    step: 0, op: 'boot', snap: { sessions: [], userMessages: [], permissions: [], attempts: [], machines: [] }, log,
  };
  const mem = newMemory();
  const trace = createHash('sha256');
  const placements: Record<string, number> = {};
  const timing: Record<string, number> = {};
  try {
    await settle(ctx);
    for (let step = 1; step <= o.ops; step++) {
      ctx.step = step;
      const before = await baseline(ctx);
      const seen = ctx.violations.length;
      const { name, run, creates, target } = choose(ctx);
      tally(ctx, placements);
      ctx.op = name;
      if (process.env.SOAK_VERBOSE) log(`step ${step}: ${name} ${target}`);
      bump(ctx.counters.ops, name);
      const t0 = Date.now();
      try {
        await run();
      } catch (e) {
        // The harness itself broke (e.g. a process would not start): report it with the step, stop the run.
        violate(ctx, 'harness', `the op threw: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
        log(`replay: npm run soak -- --seed ${o.seed} --ops ${step}`);
        break;
      }
      const t1 = Date.now();
      await settle(ctx);
      bump(timing, `${name} run`, t1 - t0);
      bump(timing, `${name} settle`, Date.now() - t1);
      const state = settledState(ctx);
      if (process.env.SOAK_VERBOSE) log(`  ${state.sessions} | last messages ${state.messages.slice(-8).join(' ')}`);
      trace.update(`${step} ${name} ${target} ${state.sessions} | ${state.messages.join(' ')}\n`);
      const t2 = Date.now();
      await checkStep(ctx, mem, before, creates);
      if (step % (o.fullCheckEvery ?? 25) === 0 || step === o.ops) await checkFull(ctx);
      bump(timing, 'checks', Date.now() - t2);
      if (ctx.violations.length > seen) log(`replay: npm run soak -- --seed ${o.seed} --ops ${step}`);
      if (step % 100 === 0) log(`step ${step}/${o.ops}: ${ctx.sessions.length} sessions, ${ctx.sends.length} messages, ${ctx.violations.length} violations, ${Math.round((Date.now() - began) / 1000)} s`);
    }
  } finally {
    if (process.env.SOAK_TIMING) log(`time per phase (ms): ${JSON.stringify(Object.entries(timing).sort(([, a], [, b]) => b - a))}`);
    observer.close();
    if (ctx.violations.length > 0) {
      for (const m of cluster.machines) log(`--- ${m.name} daemon log (tail) ---\n${m.log().slice(-3000)}`);
      log(cluster.serverLog());
    }
    await cluster.close();
  }
  return { ...buildReport(ctx, o.ops, trace.digest('hex').slice(0, 16), Date.now() - began), ...(instances > 1 ? { placements } : {}) };
}

interface Choice {
  readonly name: string;
  readonly run: () => Promise<unknown>;
  /** Vendor sessions this op may create (invariant 1). */
  readonly creates: number;
  /** What it acts on, in ledger terms (for the trace and SOAK_VERBOSE). */
  readonly target: string;
}

function choose(ctx: SoakContext): Choice {
  const { rng } = ctx;
  const window = ctx.sessions.slice(-WINDOW);
  const withRow = (pred: (s: LedgerSession, r: NonNullable<ReturnType<typeof rowOf>>) => boolean) =>
    window.filter((s) => {
      const r = rowOf(ctx, s);
      return r !== undefined && pred(s, r);
    });
  const active = ctx.sessions.filter((s) => rowOf(ctx, s)?.status === 'active');
  const resumable = withRow((s, r) => r.managed === 1 && r.status === 'inactive' && r.archived === 0 && r.vendor_resume_id !== null && RESUMABLE.has(s.backend));
  const archived = withRow((_, r) => r.archived === 1);
  const unarchived = withRow((_, r) => r.archived === 0);
  const crowded = active.length >= MAX_ACTIVE;
  const externals = ctx.sessions.filter((s) => s.external).length;
  const any = window.length > 0;
  const multi = ctx.cluster.instances.length > 1;
  // Mostly sessions a message can reach (live, or resumable); now and then any, so refusals are exercised too.
  const reachable = window.filter((s) => active.includes(s)).concat(resumable.filter((s) => !active.includes(s)));
  const sendTarget = () => (reachable.length > 0 && rng.chance(0.8) ? rng.pick(reachable) : rng.pick(window));

  const name = rng.weighted({
    start: crowded ? 0 : 8,
    'start-with-fault': crowded ? 0 : 2,
    send: any ? 34 : 0,
    'send-cut-and-retried': any ? 6 : 0,
    'send-with-vendor-fault': any && !crowded ? 12 : 0,
    stop: active.length === 0 ? 0 : crowded ? 40 : 5,
    archive: unarchived.length > 0 ? 3 : 0,
    unarchive: archived.length > 0 ? 3 : 0,
    interrupt: active.length > 0 ? 1 : 0,
    takeover: externals < 6 && !crowded ? 1 : 0,
    'kill-agent': active.length > 0 ? 4 : 0,
    'kill-daemon': 1,
    'kill-server': 1,
    'kill-server-mid-send': active.length > 0 ? 1.5 : 0,
    'kill-daemon-during-resume': resumable.length > 0 && !crowded ? 1 : 0,
    'kill-server-during-resume': resumable.length > 0 && !crowded ? 1 : 0,
    'kill-daemon-during-start': crowded ? 0 : 0.5,
    'kill-server-during-start': crowded ? 0 : 0.5,
    // Two instances: one of them killed, or a message crossing them cut by a kill on either side.
    'kill-instance': multi ? 3 : 0,
    'kill-instance-mid-send': multi && active.length > 0 ? 4 : 0,
    'kill-instance-during-resume': multi && resumable.length > 0 && !crowded ? 4 : 0,
    'cut-machine-link': multi ? 1 : 0,
  });
  const machine = () => rng.int(ctx.cluster.machines.length);
  const backend = () => rng.pick(op.BACKENDS);
  const choice = (run: () => Promise<unknown>, creates = 0, target = ''): Choice => ({ name, run, creates, target });
  const mname = (m: number) => ctx.cluster.machines[m]!.name;
  const on = (s: LedgerSession) => `s${s.idx} ${s.backend} ${ctx.cluster.machines[s.machine]!.name}`;
  switch (name) {
    case 'start': {
      const m = machine();
      const b = backend();
      const withMessage = rng.chance(0.8);
      return choice(() => op.start(ctx, m, b, { withMessage }), 1, `${b} ${mname(m)}${withMessage ? ' with a message' : ''}`);
    }
    case 'start-with-fault': {
      const m = machine();
      const b = backend();
      const fault = rng.pick(START_FAULTS);
      return choice(async () => {
        bump(ctx.counters.faults, `vendor:${fault}`);
        const node = ctx.cluster.machines[m]!;
        await node.fake.setFaults([fault]);
        try {
          await op.start(ctx, m, b, { withMessage: true });
          await settle(ctx);
        } finally {
          await node.fake.setFaults([]);
        }
      }, 1, `${b} ${mname(m)} ${fault}`);
    }
    case 'send':
    case 'send-cut-and-retried': {
      const s = sendTarget();
      return choice(() => op.send(ctx, s, { cut: name === 'send-cut-and-retried' }), 0, on(s));
    }
    case 'send-with-vendor-fault': {
      const s = sendTarget();
      const fault = rng.pick(rowOf(ctx, s)?.status === 'active' ? ACTIVE_FAULTS : INACTIVE_FAULTS);
      return choice(() => op.sendWithFault(ctx, s, fault, () => settle(ctx)), 0, `${on(s)} ${fault}`);
    }
    case 'stop':
    case 'interrupt':
    case 'kill-agent': {
      const s = rng.pick(active);
      const run = name === 'stop' ? op.stop : name === 'interrupt' ? op.interrupt : op.killAgent;
      return choice(() => run(ctx, s), 0, on(s));
    }
    case 'archive':
    case 'unarchive': {
      const s = rng.pick(name === 'archive' ? unarchived : archived);
      return choice(() => op.archive(ctx, s, name === 'archive'), 0, on(s));
    }
    case 'takeover': {
      const m = machine();
      return choice(() => op.takeover(ctx, m), 1, mname(m));
    }
    case 'kill-daemon': {
      const m = machine();
      return choice(() => op.killDaemon(ctx, m), 0, mname(m));
    }
    case 'kill-server':
      return choice(() => op.killServer(ctx));
    case 'kill-server-mid-send': {
      const s = rng.pick(active);
      return choice(() => op.killServerMidSend(ctx, s), 0, on(s));
    }
    case 'kill-daemon-during-resume':
    case 'kill-server-during-resume': {
      const s = rng.pick(resumable);
      return choice(() => op.killDuringResume(ctx, s, name === 'kill-daemon-during-resume' ? 'daemon' : 'server'), 0, on(s));
    }
    case 'kill-daemon-during-start':
    case 'kill-server-during-start': {
      const m = machine();
      const b = backend();
      return choice(() => op.killDuringStart(ctx, m, b, name === 'kill-daemon-during-start' ? 'daemon' : 'server'), 1, `${b} ${mname(m)}`);
    }
    case 'kill-instance': {
      const i = rng.int(ctx.cluster.instances.length);
      return choice(() => iop.killInstance(ctx, i), 0, ctx.cluster.instances[i]!.name);
    }
    case 'kill-instance-mid-send':
    case 'kill-instance-during-resume': {
      const s = rng.pick(name === 'kill-instance-mid-send' ? active : resumable);
      const side = rng.pick(SIDES);
      const run = name === 'kill-instance-mid-send' ? iop.killInstanceMidSend : iop.killInstanceDuringResume;
      return choice(() => run(ctx, s, side), 0, `${on(s)} ${side}'s instance`);
    }
    case 'cut-machine-link': {
      const m = machine();
      return choice(() => iop.cutMachineLink(ctx, m), 0, mname(m));
    }
    default:
      throw new Error(`unknown op ${name}`);
  }
}

