// Fan-out and capacity: 1,000 phone sockets on one server (in its own process), memory per connection,
// agent-event → 100 watching phones latency, and the event rate sustained before that latency doubles.
import type { PhoneDown } from '../src/core/index.ts';
import { BenchMachine, connectPhone, createSessions, http, now, pool, type Phone } from './lib/clients.ts';
import { sized } from './lib/mode.ts';
import { against, atLeast, holds, info, runBench, type Figure } from './lib/report.ts';
import { startServerProcess } from './lib/server-process.ts';
import { summarize } from './lib/stats.ts';

const PHONES = sized(1_000, 200);
const WATCHERS = sized(100, 50); // phones of the account whose machine sends the events; the others sit in 9 other accounts
const IDLE_EVENTS = sized(200, 20);
// Events per second, 2 s each; the first (10/s) is the baseline, the ramp stops at the first step that fails.
const RAMP = sized([10, 50, 100, 200, 400, 800, 1_000, 1_600, 3_200], [10, 100, 1_000]);
const STEP_MS = sized(2_000, 500);
/** The issue's target: events per second, each to every one of 100 watching phones, on this 2-core machine. */
const TARGET_RATE = 1_000;

interface Tracker {
  sentAt: Map<string, number>;
  count: Map<string, number>;
  /** Per phone and event: receive − send. */
  perPhone: number[];
  /** Per event: the last of the 100 watchers − send (the fan-out is done). */
  allDone: number[];
  waiters: Map<string, () => void>;
}

function tracker(): Tracker {
  return { sentAt: new Map(), count: new Map(), perPhone: [], allDone: [], waiters: new Map() };
}

export async function fanout() {
  const srv = await startServerProcess();
  const phones: Phone[] = [];
  let machine: BenchMachine | null = null;
  let closedEarly = 0;
  try {
    const tokens = await srv.phoneTokens(PHONES, Math.ceil(PHONES / WATCHERS));
    const m = await srv.machineToken('laptop');
    machine = new BenchMachine(srv.url, m.token);
    await machine.connect();
    const watcherToken = tokens.find((t) => t.accountId === srv.accountId)!.token;
    const [sessionId] = await createSessions(http(srv.url, watcherToken), machine, 1);

    let t = tracker();
    const onFrame = (frame: PhoneDown, at: number) => {
      if (frame.type !== 'message' || frame.message.role !== 'agent') return;
      const key = frame.message.text;
      const sent = t.sentAt.get(key);
      if (sent === undefined) return;
      t.perPhone.push(at - sent);
      const c = (t.count.get(key) ?? 0) + 1;
      t.count.set(key, c);
      if (c === WATCHERS) {
        t.allDone.push(at - sent);
        t.waiters.get(key)?.();
        t.waiters.delete(key);
      }
    };

    const before = await srv.memory();
    const t0 = now();
    await pool(tokens, 50, async ({ token, accountId }) => {
      const p = await connectPhone(srv.url, token, accountId === srv.accountId ? onFrame : undefined);
      p.ws.once('close', () => closedEarly++);
      phones.push(p);
    });
    const connectMs = now() - t0;
    const after = await srv.memory();
    const perConn = (k: 'rss' | 'heapUsed' | 'external') => (after[k] - before[k]) / PHONES / 1024;

    let seq = 0;
    const emit = (tr: Tracker): string => {
      const key = `fan-out event ${++seq}`;
      tr.sentAt.set(key, now());
      machine!.send({ type: 'agent-event', sessionId, eventId: `ev-${seq}`, event: { kind: 'text', text: key } });
      return key;
    };

    // Idle latency: one event at a time, the next once all 100 watchers have the previous one.
    for (let i = 0; i < IDLE_EVENTS; i++) {
      const done = new Promise<void>((resolve, reject) => {
        const key = emit(t);
        const timer = setTimeout(() => reject(new Error(`event ${key} did not reach all ${WATCHERS} watchers in 10 s`)), 10_000);
        t.waiters.set(key, () => {
          clearTimeout(timer);
          resolve();
        });
      });
      await done;
    }
    const idle = { perPhone: summarize(t.perPhone), allDone: summarize(t.allDone) };

    // Ramp: a fixed rate for 2 s; the step holds when every event reached all watchers and its p50 stayed
    // within 2× the p50 at 10 events/s, paced the same way (back-to-back idle events keep the process hot,
    // which flatters the baseline: paced events each wake an idle server).
    let baseline = Number.NaN;
    const steps: Array<{ rate: number; p50: number; p99: number; delivered: number; sent: number; holds: boolean; tries: number }> = [];
    /** One step: `rate` events/s for STEP_MS, then every event drained (or 10 s passed). */
    const step = async (rate: number) => {
      t = tracker();
      const total = Math.round((rate * STEP_MS) / 1000);
      const start = now();
      let sent = 0;
      while (sent < total) {
        const due = Math.min(total, Math.floor(((now() - start) * rate) / 1000) + 1);
        while (sent < due) {
          emit(t);
          sent++;
        }
        await new Promise((r) => setTimeout(r, 2));
      }
      const drainDeadline = Date.now() + 10_000;
      while (t.allDone.length < total && Date.now() < drainDeadline) await new Promise((r) => setTimeout(r, 20));
      const s = summarize(t.allDone);
      if (Number.isNaN(baseline)) baseline = s.p50;
      const ok = t.allDone.length === total && s.p50 <= 2 * baseline;
      // Let the server and the phones go quiet before the next step.
      await new Promise((r) => setTimeout(r, 300));
      return { rate, p50: s.p50, p99: s.p99, delivered: t.allDone.length, sent: total, holds: ok, tries: 1 };
    };
    for (const rate of RAMP) {
      // The machine is shared: another engineer's test run can stall one 2-s step. A step that misses runs once
      // more, and the ramp stops only when both tries miss (the second try is the one reported).
      let r = await step(rate);
      if (!r.holds && !Number.isNaN(baseline) && steps.length > 0) r = { ...(await step(rate)), tries: 2 };
      steps.push(r);
      if (!r.holds) break;
    }
    const lastHolding = steps.filter((s) => s.holds).at(-1)?.rate ?? 0;
    const open = phones.filter((p) => p.ws.readyState === p.ws.OPEN).length;

    const base = { label: `the same figure at 10 events/s (p50 ${baseline.toFixed(2)} ms)`, value: baseline };
    const figures: Figure[] = [
      holds('capacity', `phone sockets connected and open (of ${PHONES})`, open === PHONES && closedEarly === 0, open, 'sockets', `holds ${PHONES} clients`,
        `hello with a real phone token each; all ${PHONES} connected in ${(connectMs / 1000).toFixed(1)} s (50 at a time) and stayed open through the ramp`),
      info('mem-rss', 'server RSS per connection', perConn('rss'), 'kB', `server child process, process.memoryUsage() after gc(): RSS ${(before.rss / 2 ** 20).toFixed(0)} → ${(after.rss / 2 ** 20).toFixed(0)} MB`),
      info('mem-heap', 'server JS heap per connection', perConn('heapUsed'), 'kB', `heapUsed ${(before.heapUsed / 2 ** 20).toFixed(1)} → ${(after.heapUsed / 2 ** 20).toFixed(1)} MB`),
      info('mem-external', 'server external (buffers) per connection', perConn('external'), 'kB'),
      info('lat-p50', `agent event → each of ${WATCHERS} watchers, p50`, idle.perPhone.p50, 'ms', `${IDLE_EVENTS} events one at a time, ${PHONES - WATCHERS} other sockets connected in other accounts`),
      info('lat-p99', `agent event → each of ${WATCHERS} watchers, p99`, idle.perPhone.p99, 'ms'),
      info('lat-all-p50', `agent event → all ${WATCHERS} watchers have it, p50`, idle.allDone.p50, 'ms'),
      info('lat-all-p99', `agent event → all ${WATCHERS} watchers have it, p99`, idle.allDone.p99, 'ms'),
      // Each step is a point of the ramp (it goes on while p50 ≤ 2× the 10 events/s p50); the sustained rate is judged.
      ...steps.map((s) => against(info(`ramp-${s.rate}`, `  ${s.rate} events/s: all-watchers p50`, s.p50, 'ms',
        `p99 ${s.p99.toFixed(1)} ms${s.delivered < s.sent ? `; only ${s.delivered} of ${s.sent} events reached every watcher` : ''}${s.tries > 1 ? `; second try (the first missed)` : ''}${s.holds ? '' : '; latency doubled: the ramp stops'}`), base)),
      atLeast('sustained', 'events/s sustained before latency doubles', lastHolding, 'events/s', TARGET_RATE, `≥ ${TARGET_RATE.toLocaleString('en')} events/s to ${WATCHERS === 100 ? 100 : WATCHERS} watchers`,
        `the highest ${STEP_MS / 1000}-s step whose all-watchers p50 stayed ≤ 2× the 10 events/s p50 (${baseline.toFixed(2)} ms) with every event delivered; each event fans out to ${WATCHERS} phones (${lastHolding * WATCHERS} message frames/s); the phones run in this process, on the same 2 cores as the server`),
    ];
    return {
      title: `Fan-out and capacity (${PHONES} phone sockets, ${WATCHERS} watching)`,
      figures,
      meta: { phones: PHONES, watchers: WATCHERS, stepMs: STEP_MS, connectMs, baselineP50: baseline, memory: { before, after }, idle, steps, memoryMethod: 'server in a child process (bench/lib/server-child.ts), process.memoryUsage() after two gc() passes' },
    };
  } finally {
    for (const p of phones) p.close();
    machine?.close();
    await srv.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench('fanout', fanout);
