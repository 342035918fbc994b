// The agents this daemon runs, one per session: brought up by a driver call with a deadline (one that comes up after
// we gave up on it is stopped, never left running unwatched), their driver events become frames for the server, in
// order, and an agent's exit becomes `stopped`.
import { randomUUID } from 'node:crypto';
import { assertNever, type AttemptId, type MachineUp, type SessionId } from '../../core/index.ts';
import type { DaemonStore } from '../daemon-store.ts';
import type { AgentHandle, DriverEvent } from '../providers/backend.ts';

export interface Running {
  readonly handle: AgentHandle;
  dispose: () => void;
  stopRequested: boolean;
  /**
   * While a write is in flight, the agent's reaction can arrive before the write resolves; its events wait here
   * so the server always sees the ack before the turn it caused (else turn-end would find the message not yet
   * delivered and never mark it answered).
   */
  held: DriverEvent[] | null;
  /** Set by a resume until its first message is written: the attempt that reopened the session. */
  firstTurnOf: AttemptId | null;
}

export interface RunningAgents {
  get(sessionId: SessionId): Running | undefined;
  has(sessionId: SessionId): boolean;
  readonly size: number;
  /** Watches a new agent for the session (stopped at once if the daemon is shutting down). */
  attach(sessionId: SessionId, handle: AgentHandle): void;
  /** Sends the events held during a write, in order. */
  release(sessionId: SessionId, entry: Running): void;
  /** Lets go of an agent without waiting for its exit (the caller reports its stop); false if it was already gone. */
  detach(sessionId: SessionId, entry: Running): boolean;
  /** Stops every agent without reporting (the next hello says they are not running). */
  stopAll(): Promise<void>;
}

export function createRunningAgents(store: DaemonStore, send: (frame: MachineUp) => void): RunningAgents {
  const running = new Map<SessionId, Running>();
  let stopping = false;

  function onDriverEvent(sessionId: SessionId, entry: Running, e: DriverEvent): void {
    if (running.get(sessionId) !== entry) return; // an old handle's late event
    if (entry.held) {
      entry.held.push(e);
      return;
    }
    forward(sessionId, entry, e);
  }

  function forward(sessionId: SessionId, entry: Running, e: DriverEvent): void {
    switch (e.kind) {
      case 'persisted': {
        const s = store.patchSession(sessionId, { resumable: true });
        if (s?.vendorId) send({ type: 'resumable', sessionId, vendorResumeId: s.vendorId });
        return;
      }
      case 'alias':
        // Kept so the vendor's own listing of this conversation is never shown again as a direct session.
        store.addAlias(sessionId, e.vendorId);
        return;
      case 'exit': {
        entry.dispose();
        running.delete(sessionId);
        store.patchSession(sessionId, { pid: null });
        if (stopping) return;
        const reason = entry.stopRequested ? 'requested' : e.code === 0 ? 'exited' : 'crashed';
        const detail = entry.stopRequested ? null : e.detail ?? (e.code !== null ? `exit code ${e.code}` : e.signal ? `signal ${e.signal}` : null);
        send({ type: 'stopped', sessionId, reason, detail: detail?.slice(0, 2000) ?? null });
        return;
      }
      case 'text':
      case 'tool':
      case 'turn-end':
      case 'tool-call':
      case 'plan':
      case 'retry':
      case 'permission-request':
      case 'error':
        send({ type: 'agent-event', sessionId, eventId: `ev-${randomUUID()}`, event: e });
        return;
      default:
        return assertNever(e);
    }
  }

  return {
    get: (id) => running.get(id),
    has: (id) => running.has(id),
    get size() {
      return running.size;
    },
    attach(sessionId, handle) {
      if (stopping) {
        void handle.stop(); // the daemon is shutting down; never leave an agent nobody watches
        return;
      }
      const entry: Running = { handle, dispose: () => {}, stopRequested: false, held: null, firstTurnOf: null };
      running.set(sessionId, entry);
      entry.dispose = handle.onEvent((e) => onDriverEvent(sessionId, entry, e));
    },
    release(sessionId, entry) {
      const held = entry.held ?? [];
      entry.held = null;
      for (const e of held) if (running.get(sessionId) === entry || e.kind === 'exit') forward(sessionId, entry, e);
    },
    detach(sessionId, entry) {
      if (running.get(sessionId) !== entry) return false;
      entry.dispose();
      running.delete(sessionId);
      store.patchSession(sessionId, { pid: null });
      return true;
    },
    async stopAll() {
      stopping = true;
      await Promise.allSettled([...running.values()].map((r) => r.handle.stop()));
      // Their pids stay in the store: the next daemon reports these sessions as interrupted.
      for (const r of running.values()) r.dispose();
      running.clear();
    },
  };
}

// ── bringing one up: a driver call with a deadline ──

/** How a guarded driver call ended: its value, the guard's deadline, or an exception (a driver bug, a spawn that threw). */
export type Settled<T> = { done: true; value: T } | { done: false; threw: null } | { done: false; threw: string };

export type Guard = <T>(call: () => Promise<T>, onLate: (v: T) => void) => Promise<Settled<T>>;

export function createGuard(guardMs: number): Guard {
  return async function guarded<T>(call: () => Promise<T>, onLate: (v: T) => void): Promise<Settled<T>> {
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
  };
}

/** What to do with a start or resume that succeeded after the guard gave up: stop it. */
export const stopLate = (o: { ok: boolean; handle?: AgentHandle }): void => {
  if (o.ok && o.handle) void o.handle.stop();
};
