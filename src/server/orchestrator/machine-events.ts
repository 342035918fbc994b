// What the server does with each frame a daemon sends, and with a daemon connecting or going away: machine-wide
// facts here, everything about one session through the session loop.
import type { AgentEvent, MachineEvent, MachineUp, SessionId } from '../../core/index.ts';
import { markMachineOffline, type ServerContext, type Tx } from '../context.ts';
import { applyDirectSessions } from './direct-sessions.ts';
import type { SessionLoop, WorldMemo } from './session-loop.ts';

type Hello = Extract<MachineUp, { type: 'hello' }>;
type SessionFrame = Extract<MachineUp, { type: 'started' | 'start-failed' | 'resumable' | 'resume-result' | 'ack' | 'deliver-failed' | 'stopped' }>;

export interface MachineEvents {
  onHello(machineId: string, hello: Hello): void;
  onDisconnect(machineId: string, lastSeenAt: number): void;
  /** A frame after the hello; throws when it could not be stored (the hub then confirms nothing and the daemon sends it again). */
  onMessage(machineId: string, message: Exclude<MachineUp, Hello | { type: 'heartbeat' | 'session-reports' | 'history' }>): void;
}

export function createMachineEvents(ctx: ServerContext, loop: SessionLoop): MachineEvents {
  const { stores } = ctx;

  function sessionFrame(machineId: string, f: SessionFrame): void {
    ctx.change((tx) => {
      // A daemon can only speak for its own sessions.
      if (!loop.run(tx, f.sessionId, eventOf(f), { machineId })) ctx.log(`ignored message from ${machineId} about session ${f.sessionId} it does not own`);
    });
  }

  return {
    onHello(machineId, hello) {
      ctx.change((tx) => {
        const machine = stores.machines.byId(machineId)!;
        ctx.cluster.takeLease(machineId);
        // Only the machine is stamped: clients derive its sessions' availability (src/core/derived-availability.ts).
        stores.machines.markOnline(machineId, hello.name, hello.capabilities, ctx.now(), tx.cursor(machine.account_id));
        const reports = new Map(hello.sessions.map((r) => [r.sessionId as string, r]));
        const memo: WorldMemo = new Map();
        const helloOf = (id: SessionId) => ({ type: 'hello', report: reports.get(id) ?? null }) as const;
        for (const before of loop.loadOfMachine(machineId, helloOf, memo)) loop.apply(tx, before, helloOf(before.session.id));
      });
    },

    onDisconnect(machineId, lastSeenAt) {
      ctx.change((tx) => {
        const machine = stores.machines.byId(machineId);
        if (!machine) return;
        // Another instance holds it now (it reconnected there first): it did not go away.
        if (!ctx.cluster.releaseLease(machineId)) return;
        markMachineOffline(ctx, tx, machine, lastSeenAt);
        const memo: WorldMemo = new Map();
        for (const id of loop.port.inFlightOn(machineId)) loop.run(tx, id, { type: 'disconnect' }, { machineId }, memo);
      });
    },

    onMessage(machineId, msg) {
      switch (msg.type) {
        case 'capabilities':
          return ctx.change((tx) => {
            const machine = stores.machines.byId(machineId)!;
            stores.machines.setCapabilities(machineId, msg.capabilities, tx.cursor(machine.account_id));
          });
        case 'direct-sessions':
          return ctx.change((tx) => applyDirectSessions(ctx, tx, machineId, msg));
        case 'agent-event':
          return ctx.change((tx) => applyAgentEvent(ctx, loop, tx, machineId, msg.sessionId, msg.eventId, msg.event));
        case 'started':
        case 'start-failed':
        case 'resumable':
        case 'resume-result':
        case 'ack':
        case 'deliver-failed':
        case 'stopped':
          return sessionFrame(machineId, msg);
        default: {
          const never: never = msg;
          ctx.log(`unhandled machine message ${(never as { type: string }).type}`);
        }
      }
    },
  };
}

/**
 * Agent output, applied once per event id (daemons re-send after reconnects): what it does to the session goes
 * through `step`; the transcript lines it adds are stored by the session port (`appendTranscript`).
 */
export function applyAgentEvent(ctx: ServerContext, loop: SessionLoop, tx: Tx, machineId: string, sessionId: SessionId, eventId: string, event: AgentEvent): void {
  const e = { type: 'agent-event', eventId, event } as const;
  const before = loop.load(sessionId, e, { machineId });
  if (!before) return ctx.log(`ignored message from ${machineId} about session ${sessionId} it does not own`);
  if (!loop.port.markSeen(sessionId, eventId)) return;
  loop.apply(tx, before, e);
}

/** A session's frame as its machine event (the session id has done its work: it chose the snapshot). */
function eventOf(f: SessionFrame): MachineEvent {
  switch (f.type) {
    case 'started':
      return { type: 'started', requestId: f.requestId, vendorId: f.vendorId };
    case 'start-failed':
      return { type: 'start-failed', requestId: f.requestId, code: f.code, detail: f.detail };
    case 'resumable':
      return { type: 'resumable', vendorResumeId: f.vendorResumeId };
    case 'resume-result':
      return f.ok
        ? { type: 'resume-result', attemptId: f.attemptId, ok: true, vendorResumeId: f.vendorResumeId }
        : { type: 'resume-result', attemptId: f.attemptId, ok: false, code: f.code, detail: f.detail };
    case 'ack':
      return { type: 'ack', messageId: f.messageId };
    case 'deliver-failed':
      return { type: 'deliver-failed', messageId: f.messageId, code: f.code, detail: f.detail };
    case 'stopped':
      return { type: 'stopped', reason: f.reason, detail: f.detail };
    default: {
      const never: never = f;
      throw new Error(`not a session frame: ${(never as { type: string }).type}`);
    }
  }
}
