// What the server does with each message a daemon sends, and with a daemon connecting or going away.
import type { MachineUp, MessageFailureCode } from '../../core/index.ts';
import { permissionModeField } from '../../core/index.ts';
import type { ServerContext, Tx } from '../context.ts';
import type { SessionRow } from '../store/sessions.ts';
import { newId } from '../tokens.ts';
import { applyAgentEvent, appendNotice } from './agent-events.ts';
import { queueDeliveries } from './deliveries.ts';
import type { ResumeService } from './resume.ts';
import { moveMessage, touchSession } from './transitions.ts';

type Hello = Extract<MachineUp, { type: 'hello' }>;

export interface MachineEvents {
  onHello(machineId: string, hello: Hello): void;
  onDisconnect(machineId: string, lastSeenAt: number): void;
  /** A frame after the hello; throws when it could not be stored (the hub then confirms nothing and the daemon sends it again). */
  onMessage(machineId: string, message: Exclude<MachineUp, Hello | { type: 'heartbeat' | 'session-reports' | 'history' }>): void;
}

export function createMachineEvents(ctx: ServerContext, resume: ResumeService): MachineEvents {
  const { stores } = ctx;

  /** A session of this machine, or undefined (and logged): a daemon can only speak for its own sessions. */
  function own(machineId: string, sessionId: string): SessionRow | undefined {
    const s = stores.sessions.byId(sessionId);
    if (s && s.machine_id === machineId) return s;
    ctx.log(`ignored message from ${machineId} about session ${sessionId} it does not own`);
    return undefined;
  }

  function failAccepted(tx: Tx, session: SessionRow, code: MessageFailureCode, detail: string): void {
    for (const m of stores.messages.inState(session.id, 'accepted')) moveMessage(ctx, tx, session.account_id, m, { type: 'fail', code }, detail);
  }

  function setVendorResumeId(tx: Tx, session: SessionRow, vendorResumeId: string): void {
    if (session.vendor_resume_id === vendorResumeId) return;
    if (session.vendor_resume_id !== null) {
      // Invariant 2: the resume id never changes once set.
      ctx.log(`refused: session ${session.id} keeps vendor resume id ${session.vendor_resume_id}, machine reported ${vendorResumeId}`);
      return;
    }
    touchSession(ctx, tx, session.account_id, session.id, { vendor_resume_id: vendorResumeId });
  }

  return {
    onHello(machineId, hello) {
      ctx.change((tx) => {
        const machine = stores.machines.byId(machineId)!;
        const cursor = tx.cursor(machine.account_id);
        // Only the machine is stamped: clients derive its sessions' availability (src/core/derived-availability.ts).
        stores.machines.markOnline(machineId, hello.name, hello.capabilities, ctx.now(), cursor);
        const reports = new Map(hello.sessions.map((r) => [r.sessionId as string, r]));
        for (const session of stores.sessions.ofMachine(machineId)) {
          const report = reports.get(session.id);
          if (report?.vendorResumeId && session.managed === 1) setVendorResumeId(tx, session, report.vendorResumeId);
          const running = report?.running === true;
          if (running && session.status === 'inactive') touchSession(ctx, tx, session.account_id, session.id, { status: 'active' });
          // Invariant 5: an archived session's agent does not keep running (e.g. a resume that finished while we were apart).
          if (running && session.archived === 1) tx.toMachine(machineId, { type: 'stop', sessionId: session.id as never });
          // Archived and idle: the daemon may forget it (it stays out of the next hello; its vendor id stays on record there).
          if (report && !running && session.archived === 1 && session.managed === 1) tx.toMachine(machineId, { type: 'forget', sessionId: session.id as never });
          if (!running && session.status === 'active') {
            touchSession(ctx, tx, session.account_id, session.id, { status: 'inactive', awaiting_permission: 0, agent_retry: null });
            // Written to the agent before the daemon went down, its ack still in the daemon's outbox: delivered, not failed.
            const written = new Set<string>(report?.delivered ?? []);
            for (const m of stores.messages.inState(session.id, 'accepted')) {
              if (written.has(m.id)) moveMessage(ctx, tx, session.account_id, m, { type: 'acked' });
            }
            stores.messages.loseTurn(session.id);
            failAccepted(tx, session, 'agent-exited', 'the agent was no longer running when its machine reconnected');
          }
        }
        resume.resendPending(tx, machineId);
        // A start still unanswered (the server restarted before the daemon's answer, or before it sent the
        // start): send it again. The daemon knows each request id and re-reports instead of starting twice.
        for (const session of stores.sessions.ofMachine(machineId)) {
          if (session.start_request_id === null || session.status === 'active') continue;
          tx.toMachine(machineId, {
            type: 'start', requestId: session.start_request_id as never, sessionId: session.id as never,
            provider: session.provider, backend: session.backend, cwd: session.cwd, title: session.title, ...permissionModeField(session.permission_mode),
          });
        }
        for (const session of stores.sessions.ofMachine(machineId)) queueDeliveries(ctx, tx, session.id);
      });
    },

    onDisconnect(machineId, lastSeenAt) {
      ctx.change((tx) => {
        const machine = stores.machines.byId(machineId);
        if (!machine) return;
        const cursor = tx.cursor(machine.account_id);
        stores.machines.markOffline(machineId, lastSeenAt, cursor);
        resume.failPendingOfMachine(tx, machineId);
        // A start that was never answered will not be answered by another connection: fail it closed.
        for (const session of stores.sessions.ofMachine(machineId)) {
          if (session.start_request_id === null) continue;
          touchSession(ctx, tx, session.account_id, session.id, { start_request_id: null });
          failAccepted(tx, session, 'machine-disconnected', 'the machine disconnected before the session started');
          appendNotice(ctx, tx, session, 'The machine disconnected before this session started.');
        }
      });
    },

    onMessage(machineId, msg) {
      // Its own transaction, and a failure in it reaches the hub like any other (never confirmed).
      if (msg.type === 'resume-result') return resume.onResult(machineId, msg);
      ctx.change((tx) => {
        switch (msg.type) {
          case 'capabilities': {
            const machine = stores.machines.byId(machineId)!;
            const cursor = tx.cursor(machine.account_id);
            stores.machines.setCapabilities(machineId, msg.capabilities, cursor);
            return;
          }
          case 'started': {
            const s = own(machineId, msg.sessionId);
            if (!s) return;
            if (s.start_request_id !== msg.requestId) {
              if (s.vendor_id === null && s.start_request_id === null) {
                // A start we had given up on (its machine dropped) came through after all. A fresh session
                // forks nothing, so it goes live like a late resume; its failed first message stays failed.
                touchSession(ctx, tx, s.account_id, s.id, { status: 'active', vendor_id: msg.vendorId });
                if (s.archived === 1) tx.toMachine(machineId, { type: 'stop', sessionId: s.id as never });
                return;
              }
              ctx.log(`ignored started for ${s.id}: request ${msg.requestId} is not pending`);
              return;
            }
            touchSession(ctx, tx, s.account_id, s.id, { status: 'active', vendor_id: msg.vendorId, start_request_id: null });
            // Archived while starting: nothing is delivered and the agent is stopped (its `stopped` fails the queued messages).
            if (s.archived === 1) tx.toMachine(machineId, { type: 'stop', sessionId: s.id as never });
            else queueDeliveries(ctx, tx, s.id);
            return;
          }
          case 'start-failed': {
            const s = own(machineId, msg.sessionId);
            if (!s || s.start_request_id !== msg.requestId) return;
            touchSession(ctx, tx, s.account_id, s.id, { start_request_id: null });
            failAccepted(tx, s, msg.code, msg.detail);
            appendNotice(ctx, tx, s, `The session could not start: ${msg.detail}`);
            return;
          }
          case 'resumable': {
            const s = own(machineId, msg.sessionId);
            if (s && s.managed === 1) setVendorResumeId(tx, s, msg.vendorResumeId);
            return;
          }
          case 'ack': {
            const s = own(machineId, msg.sessionId);
            const m = s && stores.messages.get(msg.messageId);
            if (!s || !m || m.session_id !== s.id) return;
            moveMessage(ctx, tx, s.account_id, m, { type: 'acked' });
            return;
          }
          case 'deliver-failed': {
            const s = own(machineId, msg.sessionId);
            const m = s && stores.messages.get(msg.messageId);
            if (!s || !m || m.session_id !== s.id) return;
            moveMessage(ctx, tx, s.account_id, m, { type: 'fail', code: msg.code }, msg.detail);
            return;
          }
          case 'agent-event': {
            const s = own(machineId, msg.sessionId);
            if (s) applyAgentEvent(ctx, tx, s, msg.eventId, msg.event);
            return;
          }
          case 'stopped': {
            const s = own(machineId, msg.sessionId);
            if (!s) return;
            touchSession(ctx, tx, s.account_id, s.id, { status: 'inactive', awaiting_permission: 0, agent_retry: null });
            // Its agent is gone: a later agent's turn-end must not mark what this one never answered.
            stores.messages.loseTurn(s.id);
            for (const row of stores.entries.settle(s.id, ctx.now())) tx.messageChanged(s.account_id, row);
            const code = msg.reason === 'requested' ? 'stopped' : 'agent-exited';
            failAccepted(tx, s, code, msg.detail ?? (code === 'stopped' ? 'the session was stopped' : 'the agent exited'));
            if (msg.reason !== 'requested') appendNotice(ctx, tx, s, `The agent ${msg.reason}${msg.detail ? `: ${msg.detail}` : '.'}`);
            // The agent of an archived session is gone now: the daemon may forget the session.
            if (s.archived === 1) tx.toMachine(machineId, { type: 'forget', sessionId: s.id as never });
            return;
          }
          case 'direct-sessions': {
            const machine = stores.machines.byId(machineId)!;
            const listed = new Set(msg.sessions.map((d) => d.vendorResumeId as string));
            // Gone from the vendor's store (only for backends the daemon listed in full): gone from the list.
            const complete = new Set<string>(msg.complete ?? []);
            if (complete.size > 0) {
              for (const old of stores.sessions.directOf(machineId)) {
                if (complete.has(old.backend) && !listed.has(old.vendor_resume_id ?? '')) stores.sessions.removeDirect(old, tx.cursor(old.account_id));
              }
            }
            for (const d of msg.sessions) {
              const existing = stores.sessions.byVendorId(machineId, d.vendorResumeId);
              if (existing) {
                if (existing.managed === 0 && (existing.title !== (d.title || existing.title) || existing.last_activity_at !== d.updatedAt)) {
                  touchSession(ctx, tx, existing.account_id, existing.id, { title: d.title || existing.title, last_activity_at: d.updatedAt });
                }
                continue;
              }
              stores.sessions.insert({
                id: newId('ses'), account_id: machine.account_id, machine_id: machineId, provider: d.provider, backend: d.backend,
                cwd: d.cwd, title: d.title || d.cwd, managed: 0, status: 'inactive', vendor_id: d.vendorResumeId,
                vendor_resume_id: d.vendorResumeId, start_request_id: null, created_at: d.updatedAt, last_activity_at: d.updatedAt,
                cursor: tx.cursor(machine.account_id),
              });
            }
            return;
          }
          default: {
            const never: never = msg;
            ctx.log(`unhandled machine message ${(never as { type: string }).type}`);
          }
        }
      });
    },
  };
}
