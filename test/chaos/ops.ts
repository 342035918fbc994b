// The soak's operations: what phones do (start, send, stop, archive, take over…) and the faults injected
// between and during them (SIGKILLs, cut requests, vendor faults). Each draws only from the PRNG and the
// settled ledger, and waits for its own outcome, so the same seed replays the same run.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Backend, RouteBody } from '../../src/core/index.ts';
import { FAKES_BIN, type FakeFault } from '../helpers/fake-env.ts';
import { bump, machineOf, rowOf, sleep, violate, waitUntil, type LedgerSession, type SoakContext } from './context.ts';
import { readDaemonState } from './observe.ts';
import { refusalProblem, type CallResult, type SoakPhone } from './phone.ts';

const TEXTS = ['hello', 'ünïcödé ✓ naïve', 'emoji 🚀🧪', 'quote "x" and \\ back', 'multi\nline\ntext', 'tab\tand  spaces', '日本語のテキスト', '<b>not html</b>'];
export const BACKENDS: readonly Backend[] = ['claude-stream', 'claude-stream', 'codex-app-server', 'codex-app-server', 'codex-mcp'];

function phone(ctx: SoakContext) {
  return ctx.phones[ctx.rng.int(ctx.phones.length)]!;
}

function checkAnswer(ctx: SoakContext, what: string, r: CallResult, expected: number[]): r is Extract<CallResult, { kind: 'response' }> {
  if (r.kind !== 'response') {
    violate(ctx, 'harness', `${what}: ${r.kind === 'aborted' ? 'aborted' : r.detail}`);
    return false;
  }
  const problem = refusalProblem(r.status, r.body);
  if (problem) violate(ctx, 4, `${what}: ${problem}`);
  if (!expected.includes(r.status)) {
    violate(ctx, 'harness', `${what}: expected ${expected.join('/')}, got ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    return false;
  }
  return true;
}

/**
 * A new message's client id and text, both unique in the run (the transcript checks find a message by its text):
 * `c<seed>-<step>.<n>` names the step that sent it, for replays.
 */
function freshMessage(ctx: SoakContext): { clientId: string; text: string } {
  const n = ctx.sends.filter((x) => x.step === ctx.step).length;
  return { clientId: `c${ctx.seed}-${ctx.step}.${n}`, text: `m${ctx.step}.${n}-${ctx.seed} ${ctx.rng.pick(TEXTS)}` };
}

/**
 * A phone sends one message with a client id. With `cut`, the first request is aborted after a few ms (it may
 * or may not have reached the server) and the phone retries with the same client id, as its outbox would.
 */
export async function send(ctx: SoakContext, s: LedgerSession, o: { cut?: boolean; via?: SoakPhone } = {}): Promise<CallResult> {
  const p = o.via ?? phone(ctx);
  const { clientId, text } = freshMessage(ctx);
  const entry = { step: ctx.step, sessionId: s.id, clientId, text, outcome: 'lost' as 'stored' | 'refused' | 'lost', reason: null as string | null };
  ctx.sends.push(entry);
  if (o.cut) {
    bump(ctx.counters.faults, 'request-cut');
    await p.routeCut(ctx.rng.int(12), 'sendMessage', { id: s.id, body: { clientId, text } });
  }
  const r = await p.route('sendMessage', { id: s.id, body: { clientId, text } });
  recordSend(ctx, entry, r);
  return r;
}

function recordSend(ctx: SoakContext, entry: { outcome: string; reason: string | null }, r: CallResult): void {
  if (!checkAnswer(ctx, 'send', r, [200, 202, 409])) return;
  if (r.status === 409) {
    if (r.body?.error?.kind !== 'blocked') return violate(ctx, 4, `send refused without a blocked reason: ${JSON.stringify(r.body)}`);
    entry.outcome = 'refused';
    entry.reason = r.body.error.reason;
    bump(ctx.counters.refused, r.body.error.reason);
  } else entry.outcome = 'stored';
}

/** The phone could not reach the server: the text stays in its outbox and is retried later with the same id. */
export async function sendWhileDown(ctx: SoakContext, s: LedgerSession, via?: SoakPhone) {
  const p = via ?? phone(ctx);
  const { clientId, text } = freshMessage(ctx);
  const entry = { step: ctx.step, sessionId: s.id, clientId, text, outcome: 'lost' as 'stored' | 'refused' | 'lost', reason: null as string | null };
  ctx.sends.push(entry);
  const first = await p.route('sendMessage', { id: s.id, body: { clientId, text } });
  if (first.kind !== 'unreachable') violate(ctx, 'harness', `the server answered while killed: ${JSON.stringify(first).slice(0, 200)}`);
  return async () => recordSend(ctx, entry, await p.route('sendMessage', { id: s.id, body: { clientId, text } }));
}

export async function start(ctx: SoakContext, machine: number, backend: Backend, o: { withMessage: boolean }): Promise<LedgerSession | null> {
  const m = ctx.cluster.machines[machine]!;
  const provider = backend.startsWith('claude') ? 'claude' : 'codex';
  const body: RouteBody<'startSession'> & { message?: { clientId: string; text: string } } = { machineId: m.machineId, provider, backend, cwd: m.fake.cwd, title: `soak ${ctx.step}` };
  let entry = null;
  if (o.withMessage) {
    const { clientId, text } = freshMessage(ctx);
    body.message = { clientId, text };
    entry = { step: ctx.step, sessionId: '', clientId, text, outcome: 'lost' as 'stored' | 'refused' | 'lost', reason: null as string | null };
  }
  const r = await phone(ctx).route('startSession', { body });
  if (!checkAnswer(ctx, 'start', r, [201, 409])) return null;
  if (r.status === 409) {
    bump(ctx.counters.refused, `start:${r.body.error.reason ?? r.body.error.kind}`);
    return null;
  }
  const s: LedgerSession = { idx: ctx.sessions.length, id: r.body.session.id, machine, backend, external: false };
  ctx.sessions.push(s);
  if (entry) ctx.sends.push({ ...entry, sessionId: s.id, outcome: 'stored' });
  return s;
}

async function waitRow(ctx: SoakContext, s: LedgerSession, pred: (status: string) => boolean, what: string) {
  const ok = await waitUntil(() => {
    const row = ctx.observer.snapshot().sessions.find((x) => x.id === s.id);
    return row && pred(row.status);
  }, 15_000);
  if (!ok) violate(ctx, 'settle', `session ${s.idx} never became ${what}`);
}

export async function stop(ctx: SoakContext, s: LedgerSession) {
  const r = await phone(ctx).route('stopSession', { id: s.id });
  if (checkAnswer(ctx, 'stop', r, [200])) await waitRow(ctx, s, (st) => st === 'inactive', 'inactive after stop');
}

export async function interrupt(ctx: SoakContext, s: LedgerSession) {
  checkAnswer(ctx, 'interrupt', await phone(ctx).route('interruptSession', { id: s.id }), [204]);
}

export async function archive(ctx: SoakContext, s: LedgerSession, archived: boolean) {
  const r = await phone(ctx).route(archived ? 'archiveSession' : 'unarchiveSession', { id: s.id });
  if (!checkAnswer(ctx, archived ? 'archive' : 'unarchive', r, [200])) return;
  if (r.body.session.archived !== archived) violate(ctx, 4, `${archived ? 'archive' : 'unarchive'} answered archived=${r.body.session.archived}`);
  if (archived) s.everArchived = true;
  if (archived) await waitRow(ctx, s, (st) => st === 'inactive', 'inactive after archive');
}

/** A vendor fault on the session's machine for one send (resume or turn), cleared once everything settled. */
export async function sendWithFault(ctx: SoakContext, s: LedgerSession, fault: FakeFault, settleFn: () => Promise<unknown>) {
  bump(ctx.counters.faults, `vendor:${fault}`);
  const m = machineOf(ctx, s);
  await m.fake.setFaults([fault]);
  try {
    await send(ctx, s);
    await settleFn();
  } finally {
    await m.fake.setFaults([]);
  }
}

export async function killAgent(ctx: SoakContext, s: LedgerSession) {
  const pid = readDaemonState(machineOf(ctx, s).home)?.sessions[s.id]?.pid;
  if (!pid) return violate(ctx, 4, `session ${s.idx} is active on the server but its daemon runs no agent for it`);
  bump(ctx.counters.faults, 'kill-agent');
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return violate(ctx, 'harness', `agent ${pid} of session ${s.idx} was already gone`);
  }
  await waitRow(ctx, s, (st) => st === 'inactive', 'inactive after its agent was killed');
}

export async function machineOnline(ctx: SoakContext, machine: number, online: boolean) {
  const id = ctx.cluster.machines[machine]!.machineId;
  const ok = await waitUntil(() => ctx.observer.snapshot().machines.find((m) => m.id === id)?.online === (online ? 1 : 0) && (!online || ctx.cluster.machineReady(machine)), 15_000);
  if (!ok) violate(ctx, 'settle', `${ctx.cluster.machines[machine]!.name} never went ${online ? 'online' : 'offline'}`);
}

/** SIGKILL a daemon; while it is down a phone's send is refused as machine-offline; then it restarts. */
export async function killDaemon(ctx: SoakContext, machine: number) {
  bump(ctx.counters.faults, 'kill-daemon');
  const m = ctx.cluster.machines[machine]!;
  await m.kill();
  await machineOnline(ctx, machine, false);
  const own = ctx.sessions.filter((s) => s.machine === machine && rowOf(ctx, s)?.managed === 1);
  if (own.length > 0) await send(ctx, ctx.rng.pick(own));
  m.start();
  await machineOnline(ctx, machine, true);
}

/** SIGKILL the server; a phone's send fails to connect and is retried with the same client id once it is back. */
export async function killServer(ctx: SoakContext) {
  bump(ctx.counters.faults, 'kill-server');
  await ctx.cluster.killServer();
  const retry = ctx.sessions.length > 0 ? await sendWhileDown(ctx, ctx.rng.pick(ctx.sessions)) : null;
  await ctx.cluster.startServer();
  for (const i of ctx.cluster.machines.keys()) await machineOnline(ctx, i, true);
  await retry?.();
}

/** A send that needs a resume, with the vendor slowed down, and a SIGKILL while the resume is in flight. */
export async function killDuringResume(ctx: SoakContext, s: LedgerSession, victim: 'daemon' | 'server') {
  bump(ctx.counters.faults, `kill-${victim}-during-resume`);
  const m = machineOf(ctx, s);
  await m.fake.setFaults(['slow-start']);
  const r = await send(ctx, s);
  if (r.kind === 'response' && r.status === 202 && r.body.message.state !== 'awaiting-resume') {
    violate(ctx, 'harness', `expected a resume, message is ${r.body.message.state}`);
  }
  await crash(ctx, s.machine, victim);
  await m.fake.setFaults([]);
}

/**
 * A send to a live session and a SIGKILL of the server right after it answered, before the daemon's ack is applied:
 * after the restart the server delivers the still-accepted message again and the daemon must re-ack it, not re-write it.
 */
export async function killServerMidSend(ctx: SoakContext, s: LedgerSession) {
  bump(ctx.counters.faults, 'kill-server-mid-send');
  await send(ctx, s);
  await crash(ctx, s.machine, 'server');
}

/** A start with the vendor slowed down, and a SIGKILL before the vendor answered. */
export async function killDuringStart(ctx: SoakContext, machine: number, backend: Backend, victim: 'daemon' | 'server') {
  bump(ctx.counters.faults, `kill-${victim}-during-start`);
  const m = ctx.cluster.machines[machine]!;
  await m.fake.setFaults(['slow-start']);
  await start(ctx, machine, backend, { withMessage: true });
  await crash(ctx, machine, victim);
  await m.fake.setFaults([]);
}

async function crash(ctx: SoakContext, machine: number, victim: 'daemon' | 'server') {
  if (victim === 'daemon') {
    const m = ctx.cluster.machines[machine]!;
    await m.kill();
    await machineOnline(ctx, machine, false);
    m.start();
    await machineOnline(ctx, machine, true);
  } else {
    await ctx.cluster.killServer();
    await ctx.cluster.startServer();
    for (const i of ctx.cluster.machines.keys()) await machineOnline(ctx, i, true);
  }
}

/**
 * Someone runs the vendor CLI on the machine by hand (a direct session); it shows up unmanaged, a send is
 * refused as not-managed, and the phone takes it over.
 */
export async function takeover(ctx: SoakContext, machine: number): Promise<LedgerSession | null> {
  const m = ctx.cluster.machines[machine]!;
  const vendorId = randomUUID();
  await runClaudeByHand(m.fake.env, m.fake.cwd, vendorId, `by hand ${ctx.step}`);
  const row = await waitUntil(() => ctx.observer.snapshot().sessions.find((x) => x.vendor_resume_id === vendorId), 15_000);
  if (!row) {
    violate(ctx, 'settle', `the direct session ${vendorId} never showed up on the server`);
    return null;
  }
  if (row.managed !== 0) violate(ctx, 1, `a session run by hand showed up as managed`);
  const s: LedgerSession = { idx: ctx.sessions.length, id: row.id, machine, backend: 'claude-stream', external: true };
  ctx.sessions.push(s);
  await send(ctx, s); // refused: not-managed
  const r = await phone(ctx).route('takeOverSession', { id: s.id });
  if (checkAnswer(ctx, 'takeover', r, [200]) && (r.body.session.managed !== true || r.body.session.vendorResumeId !== vendorId)) {
    violate(ctx, 2, `takeover did not bind the vendor id: ${JSON.stringify(r.body.session).slice(0, 300)}`);
  }
  return s;
}

function runClaudeByHand(env: Record<string, string>, cwd: string, vendorId: string, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(FAKES_BIN, 'claude'), ['-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose', '--session-id', vendorId], {
      cwd, env: { ...process.env, ...env, BATON_FAKE_FAULTS: '' }, stdio: ['pipe', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('"type":"result"')) child.stdin!.end();
    });
    child.once('error', reject);
    child.once('exit', () => resolve());
    child.stdin!.write(`${JSON.stringify({ type: 'user', message: { role: 'user', content: text } })}\n`);
  });
}

export { sleep };
