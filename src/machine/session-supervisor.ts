// Runs the agents this machine manages: carries out the server's start/resume/deliver/adopt/stop/interrupt/
// permission/forget frames (one session's in order, sessions side by side) and keeps the store true. Strict: a
// resume never starts. Each command lives in src/machine/supervisor/.
import { randomUUID } from 'node:crypto';
import { assertNever, type Backend, type MachineCapabilities, type MachineDown, type MachineUp, type SessionId, type SessionReport } from '../core/index.ts';
import type { DaemonStore } from './daemon-store.ts';
import type { Logger } from './logger.ts';
import type { MachinePolicy } from './policy.ts';
import { createProcessGuard, type ProcessGuard } from './process-scan.ts';
import type { BackendDriver } from './providers/backend.ts';
import { adoptSession } from './supervisor/adopt.ts';
import type { Supervision } from './supervisor/context.ts';
import { deliverMessage } from './supervisor/deliver.ts';
import { reapOrphans } from './supervisor/reaping.ts';
import { sessionReports } from './supervisor/reports.ts';
import { resumeAgent } from './supervisor/resume.ts';
import { createGuard, createRunningAgents } from './supervisor/running.ts';
import { startAgent } from './supervisor/start.ts';

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
  /** The machine's allowed folders: a takeover outside them is not bound (the drivers' guard refuses starts and resumes). */
  readonly policy?: MachinePolicy;
  /** Answers a `history-request` (the daemon knows which direct sessions it listed). */
  readonly readHistory?: (frame: Extract<MachineDown, { type: 'history-request' }>) => void;
}

export interface SessionSupervisor {
  /** Every command of the server, straight from the link. */
  handle(frame: MachineDown): Promise<void>;
  /** What hello tells the server: every session not forgotten, running ones first, with what interrupted ones were sent. */
  reports(): SessionReport[];
  /** Vendor ids of every managed session (so direct-session listings leave them out). */
  managedVendorIds(): Set<string>;
  runningCount(): number;
  /** Stops every agent without reporting (the next hello says they are not running). */
  stop(): Promise<void>;
}

export function createSessionSupervisor(deps: SupervisorDeps): SessionSupervisor {
  const sup: Supervision = {
    store: deps.store, drivers: deps.drivers, send: deps.send, capabilities: deps.capabilities, log: deps.log,
    processes: deps.processes ?? createProcessGuard(),
    agents: createRunningAgents(deps.store, deps.send),
    guard: createGuard(deps.guardMs ?? 120_000),
    ...(deps.policy ? { policy: deps.policy } : {}),
  };
  const serial = createSerial(deps.log);
  const interrupted = reapOrphans(sup, serial);

  async function stopSession(sessionId: SessionId): Promise<void> {
    const live = sup.agents.get(sessionId);
    if (!live) return sup.send({ type: 'stopped', sessionId, reason: 'requested', detail: null });
    live.stopRequested = true;
    await live.handle.stop();
  }

  async function forget(sessionId: SessionId): Promise<void> {
    // Only a session with no agent: an archived session's agent is stopped first, and forget comes again.
    if (sup.agents.has(sessionId)) return void sup.log.warn(`not forgetting session ${sessionId}: its agent runs`);
    if (sup.store.forget(sessionId)) interrupted.delete(sessionId);
  }

  return {
    async handle(f) {
      switch (f.type) {
        case 'start':
          return serial(f.sessionId, () => startAgent(sup, f));
        case 'resume':
          return serial(f.sessionId, () => resumeAgent(sup, f));
        case 'deliver':
          return serial(f.sessionId, () => deliverMessage(sup, f));
        case 'adopt':
          return serial(f.sessionId, async () => adoptSession(sup, f));
        case 'stop':
          return serial(f.sessionId, () => stopSession(f.sessionId));
        case 'forget':
          return serial(f.sessionId, () => forget(f.sessionId));
        case 'interrupt':
          // Not queued: an interrupt must reach a busy agent now.
          await sup.agents.get(f.sessionId)?.handle.interrupt();
          return;
        case 'permission-answer': {
          // Which device said so, on the machine's own record: the server names it, the daemon keeps the line.
          const by = f.answeredBy ? `“${f.answeredBy.name}” (${f.answeredBy.deviceId})` : 'an unnamed device';
          const agent = sup.agents.get(f.sessionId);
          sup.log.info(`session ${f.sessionId}: permission ${f.permissionId} ${f.decision === 'allow' ? 'allowed' : 'denied'} by ${by}${agent ? '' : ' — no agent runs for it'}`);
          await agent?.handle.answerPermission(f.permissionId, f.decision, f.scope);
          return;
        }
        case 'set-permission-mode': {
          const agent = sup.agents.get(f.sessionId);
          try {
            await agent?.handle.setPermissionMode?.(f.mode);
          } catch (err) {
            // The phone shows the mode it asked for: say that the agent did not take it, and why.
            const why = err instanceof Error ? err.message : String(err);
            sup.send({ type: 'agent-event', sessionId: f.sessionId, eventId: `ev-${randomUUID()}`, event: { kind: 'error', text: `The agent did not switch to permission mode ${f.mode} and keeps its previous one: ${why}`.slice(0, 2_000) } });
          }
          return;
        }
        case 'history-request':
          return deps.readHistory?.(f);
        case 'welcome':
        case 'error':
          return;
        default:
          return assertNever(f);
      }
    },
    reports: () => sessionReports(sup, interrupted),
    managedVendorIds: () => sup.store.vendorIds(),
    runningCount: () => sup.agents.size,
    stop: () => sup.agents.stopAll(),
  };
}

/** One operation at a time per session, so a deliver never races the resume it follows; sessions run side by side. */
function createSerial(log: Logger): (sessionId: SessionId, op: () => Promise<void>) => Promise<void> {
  const queues = new Map<SessionId, Promise<void>>();
  return (sessionId, op) => {
    const prev = queues.get(sessionId) ?? Promise.resolve();
    const next = prev.then(op, op).catch((e: unknown) => log.error(`session ${sessionId}: ${String(e)}`));
    queues.set(sessionId, next);
    void next.then(() => {
      if (queues.get(sessionId) === next) queues.delete(sessionId);
    });
    return next;
  };
}
