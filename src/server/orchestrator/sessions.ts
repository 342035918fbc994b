// Everything that happens to a session enters here, each as steps of the session's machine in one transaction: what
// phones (and the CLI) do — start, send, rename, archive, stop, interrupt, take over, answer a permission, call off a
// held message — for the HTTP routes, and what daemons say — their frames, their connecting and going away — for the
// machine socket (machine-wide facts here, everything about one session through the session loop).
import * as v from 'valibot';
import {
  BatonError, MessageIdSchema, PermissionIdSchema, SessionIdSchema, asAccountId, asMachineId, asMessageId, asSessionId, planStart,
  type AgentEvent, type AnsweredBy, type MachineCapabilities, type MachineEvent, type MachineUp, type MessageRecord, type PhoneAction, type Refusal,
  type SendMessageRequest, type SessionId, type SessionRecord, type SessionSnapshot, type SessionTimer, type StartSessionRequest,
} from '../../core/index.ts';
import { machineConnected, markMachineOffline, type ServerContext, type Tx } from '../context.ts';
import { toMessageRecord } from '../store/messages.ts';
import { createSessionSnapshots } from '../store/session-snapshots.ts';
import { newId } from '../tokens.ts';
import { sessionView } from '../views.ts';
import { applyDirectSessions } from './direct-sessions.ts';
import { createSessionLoop, createSessionTimers, type SessionLoop, type WorldMemo } from './session-loop.ts';
import { summaryOf } from './summary.ts';

export interface SendOutcome {
  /** 202 for a new message, 200 when this clientId was already stored (nothing new happened). */
  readonly status: 200 | 202;
  readonly message: MessageRecord;
}

export interface SessionService {
  /** `admit` runs only when a new message is about to be stored (a rate limit throws there; a retry is free). */
  sendMessage(accountId: string, sessionId: string, body: SendMessageRequest, admit?: () => void): SendOutcome;
  startSession(accountId: string, body: StartSessionRequest): SessionRecord;
  /** A new title and/or permission mode, in one transaction (a mode reaches a running agent at once). */
  editSession(accountId: string, sessionId: string, patch: { readonly title?: string; readonly permissionMode?: string }): SessionRecord;
  setArchived(accountId: string, sessionId: string, archived: boolean): SessionRecord;
  stopSession(accountId: string, sessionId: string): SessionRecord;
  interruptSession(accountId: string, sessionId: string): void;
  takeOver(accountId: string, sessionId: string): SessionRecord;
  /** `by`: the device that answers (stored with the answer and told to the daemon); `scope` session: for the rest of the session. */
  answerPermission(accountId: string, sessionId: string, permissionId: string, decision: 'allow' | 'deny', by: AnsweredBy, scope?: 'once' | 'session'): MessageRecord;
  /** The user calls a held message off: it fails with `cancelled` (text kept on the phone). */
  cancelHeld(accountId: string, sessionId: string, messageId: string): MessageRecord;
  /** The account's settings changed what blocks its sessions: messages held for one blocked for good end now. */
  recheckHolds(accountId: string): void;
  /** For the machine hub: frames from daemons, and daemons connecting and going away. */
  readonly machineEvents: MachineEvents;
  /** Re-arms the deadlines of attempts and held messages left by a previous server process. */
  restore(): void;
  /** Fires the deadlines that passed before `before` (armed by another instance, perhaps one that died). */
  sweepDeadlines(before: number): void;
  stop(): void;
}

export function createSessionService(ctx: ServerContext, opts: { readonly holdMs: number }): SessionService {
  const port = createSessionSnapshots(ctx.db, ctx.stores);
  const timers = createSessionTimers(ctx.now, fire);
  const loop = createSessionLoop(ctx, port, timers, opts);

  function fire(t: SessionTimer): void {
    const event = t.kind === 'resume-deadline' ? { type: 'resume-deadline', attemptId: t.attemptId } as const : { type: 'hold-expired', messageId: t.messageId } as const;
    ctx.change((tx) => loop.run(tx, t.sessionId, event));
  }

  const noSession = (sessionId: string) => new BatonError('not-found', `no session ${sessionId}`);
  const refused = (r: Refusal) => new BatonError(r.kind, r.message, r.extra);

  /** The session named by a phone, parsed once here: an id that cannot be one names no session. */
  function sessionIdOf(sessionId: string): SessionId {
    const parsed = v.safeParse(SessionIdSchema, sessionId);
    if (!parsed.success) throw noSession(sessionId);
    return parsed.output;
  }

  /** Phone actions, one transaction: the snapshot after the last, or the first refusal thrown (nothing changed). */
  function act(accountId: string, sessionId: string, ...events: PhoneAction[]): SessionSnapshot {
    return ctx.change((tx) => {
      let after: SessionSnapshot | null = null;
      for (const event of events) {
        const ran = loop.run(tx, sessionIdOf(sessionId), event, { accountId });
        if (!ran) throw noSession(sessionId);
        if (ran.result.refusal) throw refused(ran.result.refusal);
        after = ran.result.snapshot;
      }
      return after!;
    });
  }
  const view = (s: SessionSnapshot) => sessionView(ctx, ctx.stores.sessions.byId(s.session.id)!);
  const record = (id: string) => toMessageRecord(ctx.stores.messages.get(id)!);

  return {
    sendMessage(accountId, sessionId, body, admit = () => {}) {
      return ctx.change((tx) => {
        const before = loop.load(sessionIdOf(sessionId), { type: 'send', ...body }, { accountId });
        if (!before) throw noSession(sessionId);
        const existing = ctx.stores.messages.byClientId(before.session.id, 'user', body.clientId);
        if (existing) return { status: 200, message: toMessageRecord(existing) };
        admit();
        const result = loop.apply(tx, before, { type: 'send', clientId: body.clientId, text: body.text });
        if (result.refusal) throw refused(result.refusal);
        // A send that was not refused stored its message: the save returned the row.
        return { status: 202, message: toMessageRecord(result.written.get(before.world.ids.message)!) };
      });
    },

    startSession(accountId, body) {
      const { stores } = ctx;
      const snapshot = ctx.change((tx) => {
        const machine = stores.machines.get(accountId, body.machineId);
        if (!machine) throw new BatonError('not-found', `no machine ${body.machineId}`);
        const settings = stores.settings.get(accountId);
        const plan = planStart(body, {
          machine: {
            name: machine.name, online: machine.online === 1, connected: machineConnected(ctx, machine.id),
            capabilities: machine.capabilities === null ? null : (JSON.parse(machine.capabilities) as MachineCapabilities),
          },
          disabledBackends: settings.disabledBackends, codexBackend: settings.codexBackend,
        });
        if (!plan.ok) throw refused(plan.refusal);
        const old = body.summaryOf === undefined ? undefined : stores.sessions.get(accountId, body.summaryOf);
        if (body.summaryOf !== undefined && !old) throw noSession(body.summaryOf);
        const seed = old ? summaryOf(ctx, old) : null;
        // Accepted now, delivered once `started` arrives (a session is inactive until then).
        const first = body.message || seed
          ? { id: asMessageId(newId('msg')), clientId: body.message?.clientId ?? newId('seed'), text: [seed, body.message?.text].filter(Boolean).join('\n\n') }
          : null;
        return loop.create(tx, {
          id: asSessionId(newId('ses')), accountId: asAccountId(accountId), machineId: asMachineId(machine.id), requestId: newId('req'),
          backend: plan.backend, request: body, first,
        });
      });
      return view(snapshot);
    },

    editSession: (accountId, sessionId, { title, permissionMode }) => view(act(accountId, sessionId,
      ...(title !== undefined ? [{ type: 'rename', title } as const] : []),
      ...(permissionMode !== undefined ? [{ type: 'set-permission-mode', mode: permissionMode } as const] : []))),
    setArchived: (accountId, sessionId, archived) => view(act(accountId, sessionId, { type: archived ? 'archive' : 'unarchive' })),
    stopSession: (accountId, sessionId) => view(act(accountId, sessionId, { type: 'stop' })),
    interruptSession: (accountId, sessionId) => void act(accountId, sessionId, { type: 'interrupt' }),
    takeOver: (accountId, sessionId) => view(act(accountId, sessionId, { type: 'take-over' })),

    answerPermission(accountId, sessionId, permissionId, decision, answeredBy, scope) {
      const id = v.safeParse(PermissionIdSchema, permissionId);
      if (!id.success) throw new BatonError('not-found', `no permission request ${permissionId}`);
      const after = act(accountId, sessionId, { type: 'answer-permission', permissionId: id.output, decision, answeredBy, ...(scope ? { scope } : {}) });
      return record(after.messages.find((m) => m.permission?.permissionId === id.output)!.id);
    },

    cancelHeld(accountId, sessionId, messageId) {
      if (opts.holdMs === 0) throw new BatonError('conflict', 'this server holds no messages');
      const id = v.safeParse(MessageIdSchema, messageId);
      if (!id.success) throw new BatonError('not-found', `no message ${messageId} in session ${sessionId}`);
      act(accountId, sessionId, { type: 'cancel-held', messageId: id.output });
      return record(id.output);
    },

    recheckHolds(accountId) {
      ctx.change((tx) => {
        for (const id of port.holdingIn(accountId)) loop.run(tx, id, { type: 'recheck' });
      });
    },

    machineEvents: createMachineEvents(ctx, loop),

    restore() {
      for (const a of port.pendingAttempts()) timers.set({ kind: 'resume-deadline', sessionId: a.sessionId, attemptId: a.attemptId }, a.startedAt + ctx.resumeTimeoutMs);
      if (opts.holdMs === 0) return;
      for (const m of port.heldMessages()) timers.set({ kind: 'hold-expiry', sessionId: m.sessionId, messageId: m.messageId }, m.heldUntil ?? m.createdAt + opts.holdMs);
    },

    sweepDeadlines(before) {
      ctx.change((tx) => {
        const due = port.overdue(before - ctx.resumeTimeoutMs, opts.holdMs === 0 ? Number.MIN_SAFE_INTEGER : before, opts.holdMs, 100);
        for (const a of due.attempts) loop.run(tx, a.sessionId, { type: 'resume-deadline', attemptId: a.attemptId });
        for (const m of due.holds) loop.run(tx, m.sessionId, { type: 'hold-expired', messageId: m.messageId });
      });
    },

    stop: () => timers.stop(),
  };
}

// ── the machine's half ──

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
function applyAgentEvent(ctx: ServerContext, loop: SessionLoop, tx: Tx, machineId: string, sessionId: SessionId, eventId: string, event: AgentEvent): void {
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
