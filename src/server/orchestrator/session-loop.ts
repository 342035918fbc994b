// The server's half of a session's life, one small loop: load the snapshot, `step`, save what changed, and carry
// out the effects (commands and hints to phones after commit, transcript lines through the port, timers here).
import {
  asAttemptId, asMessageId, createSession, step, wantsOf,
  type MachineCapabilities, type NewSession, type SessionEffect, type SessionEvent, type SessionFacts, type SessionId, type SessionSnapshot,
  type SessionTimer, type StepResult, type WorldFacts,
} from '../../core/index.ts';
import { machineConnected, type ServerContext, type Tx } from '../context.ts';
import type { MessageRow } from '../store/messages.ts';
import { newId } from '../tokens.ts';
import type { SessionPort } from './session-port.ts';

/** Who may speak for the session: its account (a phone) or its machine (a daemon). */
export interface Scope {
  readonly accountId?: string;
  readonly machineId?: string;
}

/** Machine and settings read once for many steps in one transaction (a hello over every session of a machine). */
export type WorldMemo = Map<string, Omit<WorldFacts, 'now' | 'ids'>>;

export interface SessionLoop {
  readonly port: SessionPort;
  /** The session as it stands, if it exists within `scope`. */
  load(sessionId: SessionId, event: SessionEvent, scope?: Scope, memo?: WorldMemo): SessionSnapshot | null;
  /** Every session of a machine, loaded for the event `eventOf` gives each (a hello: a few queries for them all). */
  loadOfMachine(machineId: string, eventOf: (sessionId: SessionId) => SessionEvent, memo?: WorldMemo): SessionSnapshot[];
  /** Steps a loaded snapshot and saves the result in `tx`; a refusal saves nothing and runs no effect. */
  apply(tx: Tx, before: SessionSnapshot, event: SessionEvent): AppliedStep;
  /** load + apply; null when the session is not there (or not in `scope`). */
  run(tx: Tx, sessionId: SessionId, event: SessionEvent, scope?: Scope, memo?: WorldMemo): { before: SessionSnapshot; result: AppliedStep } | null;
  /** Stores a new session and sends its start. */
  create(tx: Tx, n: NewSession): SessionSnapshot;
}

/** A step as applied: its result, and the message rows its save wrote, as stored (none when it was refused). */
export type AppliedStep = StepResult & { readonly written: ReadonlyMap<string, MessageRow> };

const NOTHING_WRITTEN: ReadonlyMap<string, MessageRow> = new Map();

export function createSessionLoop(ctx: ServerContext, port: SessionPort, timers: SessionTimers, opts: { readonly holdMs: number }): SessionLoop {
  function world(s: Pick<SessionFacts, 'machineId' | 'accountId'>, memo?: WorldMemo): WorldFacts {
    const key = `${s.machineId}\n${s.accountId}`;
    let w = memo?.get(key);
    if (!w) {
      const m = ctx.stores.machines.byId(s.machineId);
      w = {
        machine: m
          ? {
              name: m.name, online: m.online === 1, connected: machineConnected(ctx, m.id), lastSeenAt: m.last_seen_at,
              capabilities: m.capabilities === null ? null : (JSON.parse(m.capabilities) as MachineCapabilities),
            }
          : null,
        disabledBackends: ctx.stores.settings.get(s.accountId).disabledBackends,
        holdMs: opts.holdMs,
        resumeTimeoutMs: ctx.resumeTimeoutMs,
      };
      memo?.set(key, w);
    }
    return { ...w, now: ctx.now(), ids: { message: asMessageId(newId('msg')), attempt: asAttemptId(newId('att')) } };
  }

  /** Carries out a step's effects in order; commands and hints reach sockets only after the transaction committed. */
  function perform(tx: Tx, s: SessionFacts, now: number, effects: readonly SessionEffect[], written: ReadonlyMap<string, MessageRow>): void {
    for (const e of effects) {
      switch (e.type) {
        case 'command':
          tx.toMachine(s.machineId, e.command);
          break;
        case 'append':
          tx.messageChanged(s.accountId, port.append(tx, s, e.entry, now));
          break;
        case 'entry':
          tx.messageChanged(s.accountId, port.entry(tx, s, e.eventId, e.event, now));
          break;
        case 'settle-entries':
          for (const row of port.settleEntries(tx, s, now)) tx.messageChanged(s.accountId, row);
          break;
        case 'hint': {
          const row = written.get(e.messageId) ?? port.message(e.messageId);
          if (row) tx.messageChanged(s.accountId, row);
          break;
        }
        case 'timer': {
          const { timer, at } = e;
          tx.afterCommit(() => timers.set(timer, at));
          break;
        }
        case 'log':
          ctx.log(e.line);
          break;
        default: {
          const never: never = e;
          ctx.log(`unknown session effect ${(never as { type: string }).type}`);
        }
      }
    }
  }

  const loop: SessionLoop = {
    port,
    load(sessionId, event, scope = {}, memo) {
      const snapshot = port.load(sessionId, wantsOf(event), (s) => world(s, memo));
      if (!snapshot) return null;
      if (scope.accountId !== undefined && snapshot.session.accountId !== scope.accountId) return null;
      if (scope.machineId !== undefined && snapshot.session.machineId !== scope.machineId) return null;
      return snapshot;
    },
    loadOfMachine(machineId, eventOf, memo) {
      return port.loadOfMachine(machineId, (id) => wantsOf(eventOf(id)), (s) => world(s, memo));
    },
    apply(tx, before, event) {
      const result = step(before, event);
      if (result.refusal) return { ...result, written: NOTHING_WRITTEN };
      const written = port.save(tx, result.snapshot.session, result.changes);
      perform(tx, result.snapshot.session, result.snapshot.world.now, result.effects, written);
      return { ...result, written };
    },
    run(tx, sessionId, event, scope, memo) {
      const before = loop.load(sessionId, event, scope, memo);
      return before ? { before, result: loop.apply(tx, before, event) } : null;
    },
    create(tx, n) {
      const { snapshot, effects } = createSession(n, world(n));
      port.create(tx, snapshot);
      perform(tx, snapshot.session, snapshot.world.now, effects, NOTHING_WRITTEN);
      return snapshot;
    },
  };
  return loop;
}

// ── timers ──

export interface SessionTimers {
  /** Arms `timer` for `at` (replacing the one armed for the same thing), or cancels it (null). */
  set(timer: SessionTimer, at: number | null): void;
  stop(): void;
}

/** setTimeout overflows past ~24.8 days: a later deadline fires early, and the step arms it again. */
const MAX_DELAY = 2 ** 31 - 1;

export function createSessionTimers(now: () => number, fire: (timer: SessionTimer) => void): SessionTimers {
  const armed = new Map<string, NodeJS.Timeout>();
  const keyOf = (t: SessionTimer) => (t.kind === 'resume-deadline' ? `${t.kind}:${t.attemptId}` : `${t.kind}:${t.messageId}`);
  return {
    set(t, at) {
      const key = keyOf(t);
      clearTimeout(armed.get(key));
      armed.delete(key);
      if (at === null) return;
      const timer = setTimeout(() => {
        armed.delete(key);
        fire(t);
      }, Math.min(Math.max(0, at - now()), MAX_DELAY));
      timer.unref();
      armed.set(key, timer);
    },
    stop() {
      for (const t of armed.values()) clearTimeout(t);
      armed.clear();
    },
  };
}
