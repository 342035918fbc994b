// Runs the agents this machine manages: carries out start/resume/deliver/stop/interrupt/permission
// frames from the server, forwards agent events, and keeps the store true. Strict: a resume never starts.
import { randomUUID } from 'node:crypto';
import {
  isMessageFailureCode,
  BACKEND_INFO, REPORTED_DELIVERED_MAX, asMessageId, asSessionId, asVendorId, assertNever,
  type Backend, type MachineCapabilities, type MachineDown, type MachineUp, type SessionReport, type VendorId,
} from '../core/index.ts';
import type { AgentHandle, BackendDriver, DriverEvent, ResumeOutcome, SessionHolder } from './providers/backend.ts';
import type { AttemptResult, DaemonStore } from './daemon-store.ts';
import type { Logger } from './logger.ts';
import { createProcessGuard, describeProcess, type ProcessGuard } from './process-scan.ts';

export interface SupervisorDeps {
  readonly store: DaemonStore;
  readonly drivers: ReadonlyMap<Backend, BackendDriver>;
  /** Durable outbound: queued while disconnected and flushed in order. */
  readonly send: (frame: MachineUp) => void;
  /** The latest dependency check per backend. */
  readonly capabilities: () => MachineCapabilities;
  readonly log: Logger;
  /** How long a driver's start/resume may run before the supervisor gives up on it (a driver guard). */
  readonly guardMs?: number;
  /** Looks at this machine's processes (tests inject a fake). */
  readonly processes?: ProcessGuard;
}


export interface SessionSupervisor {
  handle(frame: MachineDown): Promise<void>;
  /** What hello tells the server: every session not forgotten, running ones first, with what interrupted ones were sent. */
  reports(): SessionReport[];
  /** Vendor ids of every managed session (so direct-session listings leave them out). */
  managedVendorIds(): Set<string>;
  runningCount(): number;
  /** Stops every agent without reporting (the next hello says they are not running). */
  stop(): Promise<void>;
}

interface Running {
  readonly handle: AgentHandle;
  readonly dispose: () => void;
  stopRequested: boolean;
  /**
   * While a write is in flight, the agent's reaction can arrive before the write resolves; its events
   * wait here so the server always sees the ack before the turn it caused (else turn-end would find the
   * message not yet delivered and never mark it answered).
   */
  held: DriverEvent[] | null;
}

/** How a guarded driver call ended: its value, the guard's deadline, or an exception (a driver bug, a spawn that threw). */
type Settled<T> = { done: true; value: T } | { done: false; threw: null } | { done: false; threw: string };

export function createSessionSupervisor(deps: SupervisorDeps): SessionSupervisor {
  const { store, drivers, send, log } = deps;
  const guardMs = deps.guardMs ?? 120_000;
  const running = new Map<string, Running>();
  const queues = new Map<string, Promise<void>>();
  /** Sessions resumed whose first message is not yet written: the attempt that reopened each. */
  const firstTurnOf = new Map<string, string>();
  let stopping = false;

  const processes = deps.processes ?? createProcessGuard();

  // Agents of a previous daemon (killed without stopping them) are not ours to talk to any more: stop any
  // still running, so a resume does not meet them, and treat those sessions as inactive (resumable if persisted).
  // Their sessions were interrupted: hello tells the server what was written to them (acks may have been lost).
  const interrupted = new Set<string>();
  for (const s of store.sessions()) {
    if (s.pid === null) continue;
    const pid = s.pid;
    interrupted.add(s.sessionId);
    store.patchSession(s.sessionId, { pid: null });
    void serial(s.sessionId, async () => {
      if (await processes.reapOrphan(pid, s.vendorId, BACKEND_INFO[s.backend].command)) log.warn(`stopped agent ${pid} left running by an earlier daemon (session ${s.sessionId})`);
    });
  }

  /** One operation at a time per session, so a deliver never races the resume it follows. */
  function serial(sessionId: string, op: () => Promise<void>): Promise<void> {
    const prev = queues.get(sessionId) ?? Promise.resolve();
    const next = prev.then(op, op).catch((e: unknown) => log.error(`session ${sessionId}: ${String(e)}`));
    queues.set(sessionId, next);
    void next.then(() => {
      if (queues.get(sessionId) === next) queues.delete(sessionId);
    });
    return next;
  }

  function attach(sessionId: string, handle: AgentHandle): void {
    if (stopping) {
      void handle.stop(); // the daemon is shutting down; never leave an agent nobody watches
      return;
    }
    const entry: Running = { handle, dispose: () => {}, stopRequested: false, held: null };
    running.set(sessionId, entry);
    (entry as { dispose: () => void }).dispose = handle.onEvent((e) => onDriverEvent(sessionId, entry, e));
  }

  function onDriverEvent(sessionId: string, entry: Running, e: DriverEvent): void {
    if (running.get(sessionId) !== entry) return; // an old handle's late event
    if (entry.held) {
      entry.held.push(e);
      return;
    }
    forward(sessionId, entry, e);
  }

  function release(sessionId: string, entry: Running): void {
    const held = entry.held ?? [];
    entry.held = null;
    for (const e of held) if (running.get(sessionId) === entry || e.kind === 'exit') forward(sessionId, entry, e);
  }

  function forward(sessionId: string, entry: Running, e: DriverEvent): void {
    switch (e.kind) {
      case 'persisted': {
        const s = store.patchSession(sessionId, { resumable: true });
        if (s?.vendorId) send({ type: 'resumable', sessionId: sessionId as never, vendorResumeId: s.vendorId as VendorId });
        return;
      }
      case 'alias':
        // Kept so the vendor's own listing of this conversation is never shown again as a direct session.
        store.addAlias(sessionId, e.vendorId);
        return;
      case 'exit': {
        entry.dispose();
        running.delete(sessionId);
        firstTurnOf.delete(sessionId);
        store.patchSession(sessionId, { pid: null });
        if (stopping) return;
        const reason = entry.stopRequested ? 'requested' : e.code === 0 ? 'exited' : 'crashed';
        const detail = entry.stopRequested ? null : e.detail ?? (e.code !== null ? `exit code ${e.code}` : e.signal ? `signal ${e.signal}` : null);
        send({ type: 'stopped', sessionId: sessionId as never, reason, detail: detail?.slice(0, 2000) ?? null });
        return;
      }
      case 'text':
      case 'tool':
      case 'tool-call':
      case 'plan':
      case 'turn-end':
      case 'retry':
      case 'permission-request':
      case 'error':
        send({ type: 'agent-event', sessionId: sessionId as never, eventId: `ev-${randomUUID()}`, event: e });
        return;
      default:
        return assertNever(e);
    }
  }

  async function guarded<T>(call: () => Promise<T>, onLate: (v: T) => void): Promise<Settled<T>> {
    let p: Promise<T>;
    try {
      p = call();
    } catch (e) {
      // A driver that throws before it returns a promise (e.g. spawn refusing its arguments) still gets an answer.
      p = Promise.reject(e);
    }
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const timeout = new Promise<Settled<T>>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        resolve({ done: false, threw: null });
      }, guardMs);
    });
    const result = await Promise.race([
      p.then((value): Settled<T> => ({ done: true, value }), (e: unknown): Settled<T> => ({ done: false, threw: e instanceof Error ? e.message : String(e) })),
      timeout,
    ]);
    clearTimeout(timer);
    if (timedOut) void p.then(onLate, () => {});
    return result;
  }

  const stopLate = (o: { ok: boolean; handle?: AgentHandle }) => {
    if (o.ok && o.handle) void o.handle.stop();
  };

  async function start(f: Extract<MachineDown, { type: 'start' }>): Promise<void> {
    const known = store.session(f.sessionId);
    if (known) {
      // A repeated start (e.g. after a reconnect) re-reports; it never starts a second vendor session.
      if (known.vendorId) send({ type: 'started', requestId: f.requestId, sessionId: f.sessionId, vendorId: known.vendorId as VendorId });
      return;
    }
    const driver = drivers.get(f.backend);
    const fail = (code: 'dependency-missing' | 'vendor-error' | 'timeout', detail: string) =>
      send({ type: 'start-failed', requestId: f.requestId, sessionId: f.sessionId, code, detail: detail.slice(0, 2000) });
    if (!driver || driver.provider !== f.provider) return fail('dependency-missing', `no ${f.backend} backend for ${f.provider} on this machine`);
    const cap = deps.capabilities()[f.backend];
    if (cap && !cap.installed) return fail('dependency-missing', cap.detail ?? `${BACKEND_INFO[f.backend].command} is not installed`);
    const r = await guarded(() => driver.start({ cwd: f.cwd, title: f.title, permissionMode: f.permissionMode }), stopLate);
    if (!r.done && r.threw !== null) return fail('vendor-error', `the ${f.backend} agent could not be started: ${r.threw}`);
    if (!r.done) return fail('timeout', 'the agent did not start in time');
    if (!r.value.ok) return send({ type: 'start-failed', requestId: f.requestId, sessionId: f.sessionId, code: r.value.code, detail: r.value.detail.slice(0, 2000) });
    const handle = r.value.handle;
    store.putSession({
      sessionId: f.sessionId, provider: f.provider, backend: f.backend, cwd: f.cwd, title: f.title,
      vendorId: handle.vendorId, resumable: false, pid: handle.pid, startRequestId: f.requestId,
    });
    attach(f.sessionId, handle);
    send({ type: 'started', requestId: f.requestId, sessionId: f.sessionId, vendorId: handle.vendorId });
  }

  function report(attemptId: string, r: AttemptResult): void {
    send(r.ok
      ? { type: 'resume-result', attemptId: attemptId as never, sessionId: r.sessionId as never, ok: true, vendorResumeId: r.vendorResumeId as VendorId }
      : { type: 'resume-result', attemptId: attemptId as never, sessionId: r.sessionId as never, ok: false, code: r.code, detail: r.detail.slice(0, 2000) });
  }

  async function resume(f: Extract<MachineDown, { type: 'resume' }>): Promise<void> {
    const done = store.attempt(f.attemptId);
    if (done) return report(f.attemptId, done); // never resume one attempt twice
    const settle = (r: AttemptResult) => {
      store.putAttempt(f.attemptId, r);
      report(f.attemptId, r);
    };
    const failed = (code: Extract<AttemptResult, { ok: false }>['code'], detail: string) => settle({ ok: false, sessionId: f.sessionId, code, detail });

    // Our own record first: a server (or a bug in it) asking for another vendor session under this Baton
    // session would fork it, exactly as an `adopt` that rebinds it would; both are refused.
    const known = store.session(f.sessionId);
    if (known?.vendorId && known.vendorId !== f.vendorResumeId) {
      log.warn(`refusing to resume session ${f.sessionId} as ${f.vendorResumeId}: this machine knows it as ${known.vendorId}`);
      return failed('vendor-id-mismatch', `this machine's record of the session is vendor session ${known.vendorId}; asked to resume ${f.vendorResumeId}`);
    }

    const live = running.get(f.sessionId);
    if (live) {
      // Already running: the same vendor session is open, so the resume is done without a second process.
      return live.handle.vendorId === f.vendorResumeId
        ? settle({ ok: true, sessionId: f.sessionId, vendorResumeId: f.vendorResumeId })
        : failed('vendor-id-mismatch', `this session runs vendor session ${live.handle.vendorId}, not ${f.vendorResumeId}`);
    }
    const driver = drivers.get(f.backend);
    if (!driver) return failed('dependency-missing', `no ${f.backend} backend on this machine`);
    if (!driver.supportsResume) return failed('vendor-error', `${BACKEND_INFO[f.backend].label} cannot reopen a session`);
    const cap = deps.capabilities()[f.backend];
    if (cap && (!cap.installed || !cap.canResume)) return failed('dependency-missing', cap.detail ?? `${BACKEND_INFO[f.backend].command} cannot resume here`);

    // Open elsewhere (a terminal, another tool): a second agent on it would fork the conversation. Seen by argv
    // or open files, and by the vendor's own record (a plain `claude` in a terminal names no id in its argv).
    const holders = new Map<number, string>();
    for (const p of processes.using(f.vendorResumeId)) holders.set(p.pid, describeProcess(p));
    for (const h of safeHolders(driver, f.vendorResumeId)) if (!holders.has(h.pid)) holders.set(h.pid, `pid ${h.pid}: ${h.detail}`);
    if (holders.size > 0) return failed('session-in-use', `vendor session ${f.vendorResumeId} is open in another process on this machine (${[...holders.values()].slice(0, 2).join('; ')}); close it there, then resume`);

    const r = await guarded<ResumeOutcome>(() => driver.resume({ vendorId: f.vendorResumeId, cwd: f.cwd, permissionMode: f.permissionMode }), stopLate);
    if (!r.done && r.threw !== null) return failed('vendor-error', `the ${f.backend} agent could not be started: ${r.threw}`);
    if (!r.done) return failed('timeout', 'the agent did not reopen the session in time');
    if (!r.value.ok) return failed(r.value.code, r.value.detail);
    const handle = r.value.handle;
    if (handle.vendorId !== f.vendorResumeId) {
      // Defence in depth: a driver must already refuse this; a fork is never adopted.
      await handle.stop();
      return failed('vendor-id-mismatch', `asked for ${f.vendorResumeId}, the agent opened ${handle.vendorId}`);
    }
    const prev = store.session(f.sessionId);
    store.putSession({
      sessionId: f.sessionId, provider: BACKEND_INFO[f.backend].provider, backend: f.backend, cwd: f.cwd,
      title: prev?.title ?? '', vendorId: f.vendorResumeId, resumable: true, pid: handle.pid, startRequestId: prev?.startRequestId ?? null,
    });
    attach(f.sessionId, handle);
    settle({ ok: true, sessionId: f.sessionId, vendorResumeId: f.vendorResumeId });
    firstTurnOf.set(f.sessionId, f.attemptId);
  }

  /** A driver's holders, or none if it throws (a driver bug must not block every resume). */
  function safeHolders(driver: BackendDriver, vendorId: VendorId): readonly SessionHolder[] {
    try {
      return driver.holders?.(vendorId) ?? [];
    } catch (e) {
      log.warn(`${driver.backend} holders: ${String(e)}`);
      return [];
    }
  }

  async function deliver(f: Extract<MachineDown, { type: 'deliver' }>): Promise<void> {
    const ack = () => send({ type: 'ack', sessionId: f.sessionId, messageId: f.messageId });
    if (store.isDelivered(f.sessionId, f.messageId)) return ack(); // re-ack, never re-write
    const live = running.get(f.sessionId);
    if (!live) {
      send({ type: 'stopped', sessionId: f.sessionId, reason: 'exited', detail: 'the agent is not running on this machine' });
      return;
    }
    store.markDelivered(f.sessionId, f.messageId);
    live.held = [];
    try {
      await live.handle.send(f.text);
    } catch (e) {
      // Not written: forget it so a later deliver after a resume can write it. The agent is stopped and the
      // stop reported with the driver's reason (e.g. Claude revealing another session id only at its first
      // turn after a resume: that message is failed, never adopted into a fork).
      store.unmarkDelivered(f.sessionId, f.messageId);
      const code = (e as { code?: unknown }).code;
      send({
        type: 'deliver-failed', sessionId: f.sessionId, messageId: f.messageId,
        code: isMessageFailureCode(code) ? code : 'agent-exited',
        detail: (e instanceof Error ? e.message : String(e)).slice(0, 2000),
      });
      const detail = `${typeof code === 'string' ? `${code}: ` : ''}${e instanceof Error ? e.message : String(e)}`;
      log.warn(`deliver ${f.messageId} to ${f.sessionId} failed: ${detail}`);
      // The vendor named another session at the first turn after a resume we had reported: that resume did not
      // reopen the session after all, and the attempt says so (the phone shows "last resume failed").
      const attemptId = firstTurnOf.get(f.sessionId);
      firstTurnOf.delete(f.sessionId);
      if (attemptId !== undefined && code === 'vendor-id-mismatch') {
        const r: AttemptResult = { ok: false, sessionId: f.sessionId, code, detail: (e instanceof Error ? e.message : String(e)).slice(0, 2000) };
        store.putAttempt(attemptId, r);
        report(attemptId, r);
      }
      live.held = null;
      if (running.get(f.sessionId) === live) {
        live.dispose();
        running.delete(f.sessionId);
        store.patchSession(f.sessionId, { pid: null });
        send({ type: 'stopped', sessionId: f.sessionId, reason: 'crashed', detail: detail.slice(0, 2000) });
      }
      await live.handle.stop().catch(() => {});
      return;
    }
    firstTurnOf.delete(f.sessionId);
    ack();
    release(f.sessionId, live);
  }

  async function stopSession(sessionId: string): Promise<void> {
    const live = running.get(sessionId);
    if (!live) {
      send({ type: 'stopped', sessionId: sessionId as never, reason: 'requested', detail: null });
      return;
    }
    live.stopRequested = true;
    await live.handle.stop();
  }

  async function adopt(f: Extract<MachineDown, { type: 'adopt' }>): Promise<void> {
    const prev = store.session(f.sessionId);
    if (prev && prev.vendorId && prev.vendorId !== f.vendorResumeId) {
      log.warn(`refusing to rebind session ${f.sessionId} from ${prev.vendorId} to ${f.vendorResumeId}`);
      return;
    }
    store.putSession({
      sessionId: f.sessionId, provider: f.provider, backend: f.backend, cwd: f.cwd, title: prev?.title ?? '',
      vendorId: f.vendorResumeId, resumable: true, pid: null, startRequestId: prev?.startRequestId ?? null,
    });
    send({ type: 'resumable', sessionId: f.sessionId, vendorResumeId: f.vendorResumeId });
  }

  return {
    async handle(f) {
      switch (f.type) {
        case 'start':
          return serial(f.sessionId, () => start(f));
        case 'resume':
          return serial(f.sessionId, () => resume(f));
        case 'deliver':
          return serial(f.sessionId, () => deliver(f));
        case 'adopt':
          return serial(f.sessionId, () => adopt(f));
        case 'stop':
          return serial(f.sessionId, () => stopSession(f.sessionId));
        case 'interrupt':
          // Not queued: an interrupt must reach a busy agent now.
          await running.get(f.sessionId)?.handle.interrupt();
          return;
        case 'permission-answer':
          await running.get(f.sessionId)?.handle.answerPermission(f.permissionId, f.decision, f.scope);
          return;
        case 'set-permission-mode':
          await running.get(f.sessionId)?.handle.setPermissionMode?.(f.mode);
          return;
        case 'forget':
          return serial(f.sessionId, async () => {
            // Only a session with no agent: an archived session's agent is stopped first, and forget comes again.
            if (running.has(f.sessionId)) return void log.warn(`not forgetting session ${f.sessionId}: its agent runs`);
            if (store.forget(f.sessionId)) interrupted.delete(f.sessionId);
          });
        case 'history-request': // answered by the daemon, which knows the direct listings
        case 'welcome':
        case 'error':
          return;
        default:
          return assertNever(f);
      }
    },
    reports(): SessionReport[] {
      const out = store.sessions().map((s): SessionReport => {
        const report: SessionReport = {
          sessionId: asSessionId(s.sessionId), vendorResumeId: s.resumable && s.vendorId ? asVendorId(s.vendorId) : null, running: running.has(s.sessionId),
        };
        // Only interrupted sessions: their acks may have died with the previous daemon (and the rest keep hello small).
        if (!interrupted.has(s.sessionId)) return report;
        const delivered = store.recentDelivered(s.sessionId, REPORTED_DELIVERED_MAX).map(asMessageId);
        return delivered.length > 0 ? { ...report, delivered } : report;
      });
      // What the server acts on first (running, interrupted) leads, so it is on the hello's first page.
      const weight = (r: SessionReport) => (r.running ? 0 : r.delivered ? 1 : 2);
      return out.sort((a, b) => weight(a) - weight(b));
    },
    managedVendorIds: () => store.vendorIds(),
    runningCount: () => running.size,
    async stop() {
      stopping = true;
      await Promise.allSettled([...running.values()].map((r) => r.handle.stop()));
      // Their pids stay in the store: the next daemon reports these sessions as interrupted.
      for (const r of running.values()) r.dispose();
      running.clear();
    },
  };
}
