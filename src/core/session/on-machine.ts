// What each of its machine's frames does to a session — its agent's output included — and its machine connecting
// (hello) or going away.
import { isEntryEvent } from '../agent-entries.ts';
import { assertNever } from '../availability.ts';
import { permissionModeField } from '../permission-modes.ts';
import type { VendorId } from '../ids.ts';
import type { RetryNotice } from '../turn.ts';
import type { MachineEvent } from './events.ts';
import { append, command, log, moveMessage, notice, patch, pending, type Draft } from './draft.ts';
import { expirePermissions, failAccepted, failAttempt, inTurn, loseTurn, queueDeliveries, releaseHeld, succeedAttempt } from './messages.ts';
import type { SessionFacts } from './snapshot.ts';

type Of<T extends MachineEvent['type']> = Extract<MachineEvent, { type: T }>;

/** Invariant 2: the resume id never changes once set. */
function setVendorResumeId(d: Draft, id: VendorId): void {
  const s = d.session;
  if (s.vendorResumeId === id) return;
  if (s.vendorResumeId !== null) return log(d, `refused: session ${s.id} keeps vendor resume id ${s.vendorResumeId}, machine reported ${id}`);
  patch(d, { vendorResumeId: id });
}

const stop = (d: Draft) => command(d, { type: 'stop', sessionId: d.session.id });
const forget = (d: Draft) => command(d, { type: 'forget', sessionId: d.session.id });
/** Tools shown running never finish now, and streamed text is all there will be. */
const settle = (d: Draft) => void d.effects.push({ type: 'settle-entries' });

export function onStarted(d: Draft, e: Of<'started'>): void {
  const s = d.session;
  if (s.startRequestId !== e.requestId) {
    if (s.vendorId === null && s.startRequestId === null) {
      // A start we had given up on (its machine dropped) came through after all. A fresh session forks nothing,
      // so it goes live like a late resume; its failed first message stays failed.
      patch(d, { status: 'active', vendorId: e.vendorId });
      if (s.archived) stop(d);
      return;
    }
    return log(d, `ignored started for ${s.id}: request ${e.requestId} is not pending`);
  }
  patch(d, { status: 'active', vendorId: e.vendorId, startRequestId: null });
  // Archived while starting: nothing is delivered and the agent is stopped (its `stopped` fails the queued messages).
  if (s.archived) stop(d);
  else queueDeliveries(d);
}

export function onStartFailed(d: Draft, e: Of<'start-failed'>): void {
  if (d.session.startRequestId !== e.requestId) return;
  patch(d, { startRequestId: null });
  failAccepted(d, e.code, e.detail);
  notice(d, `The session could not start: ${e.detail}`);
}

export function onResumable(d: Draft, e: Of<'resumable'>): void {
  if (d.session.managed) setVendorResumeId(d, e.vendorResumeId);
}

export function onResumeResult(d: Draft, e: Of<'resume-result'>): void {
  const s = d.session;
  const a = d.attempts.get(e.attemptId);
  if (!a) return log(d, `ignored resume-result for unknown attempt ${e.attemptId} of ${s.id}`);
  if (!e.ok) return failAttempt(d, a, e.code, e.detail);
  if (s.archived || (a.state === 'failed' && a.code === 'stopped')) {
    // Invariant 5 and the user's stop: whatever came up is stopped, and the session stays as the user left it.
    stop(d);
    if (a.state === 'pending') failAttempt(d, a, 'stopped', s.archived ? 'the session is archived' : 'the session was stopped');
    return;
  }
  if (e.vendorResumeId !== s.vendorResumeId) {
    // Our own check, whatever the daemon believes: another id is another conversation. Stop it.
    stop(d);
    if (a.state === 'pending') failAttempt(d, a, 'vendor-id-mismatch', `expected ${s.vendorResumeId}, got ${e.vendorResumeId}`);
    return;
  }
  succeedAttempt(d, a);
}

export function onAck(d: Draft, e: Of<'ack'>): void {
  if (d.messages.has(e.messageId)) moveMessage(d, e.messageId, { type: 'acked' });
}

export function onDeliverFailed(d: Draft, e: Of<'deliver-failed'>): void {
  if (d.messages.has(e.messageId)) moveMessage(d, e.messageId, { type: 'fail', code: e.code }, e.detail);
}

export function onStopped(d: Draft, e: Of<'stopped'>): void {
  patch(d, { status: 'inactive', awaitingPermission: false, agentRetry: null });
  // Its agent is gone: what it took ends unanswered, and a later agent's turn end must not mark it.
  loseTurn(d, e.reason === 'requested' ? 'the session was stopped before the agent answered' : `the agent ${e.reason} before it answered${e.detail ? `: ${e.detail}` : ''}`);
  settle(d);
  const code = e.reason === 'requested' ? 'stopped' : 'agent-exited';
  failAccepted(d, code, e.detail ?? (code === 'stopped' ? 'the session was stopped' : 'the agent exited'));
  if (e.reason !== 'requested') notice(d, `The agent ${e.reason}${e.detail ? `: ${e.detail}` : '.'}`);
  // The agent of an archived session is gone now: the daemon may forget the session.
  if (d.session.archived) forget(d);
}

/**
 * Its machine connected: the session is made to match what the machine runs, what was left waiting is sent
 * again (the same attempt, the same start request: the daemon re-reports instead of doing it twice), and then
 * its held messages go out.
 */
export function onHello(d: Draft, e: Of<'hello'>): void {
  const before = d.session;
  const r = e.report;
  if (r?.vendorResumeId && before.managed) setVendorResumeId(d, r.vendorResumeId);
  const running = r?.running === true;
  if (running && before.status === 'inactive') patch(d, { status: 'active' });
  // Invariant 5: an archived session's agent does not keep running (e.g. a resume that finished while we were apart).
  if (running && before.archived) stop(d);
  // Archived and idle: the daemon may forget it (it stays out of the next hello; its vendor id stays on record there).
  if (r && !running && before.archived && before.managed) forget(d);
  if (!running && before.status === 'active') {
    patch(d, { status: 'inactive', awaitingPermission: false, agentRetry: null });
    // Written to the agent before the daemon went down, its ack still in the daemon's outbox: delivered, not failed.
    const written = new Set<string>(r?.delivered ?? []);
    for (const m of [...d.messages.values()]) if (m.state === 'accepted' && written.has(m.id)) moveMessage(d, m.id, { type: 'acked' });
    loseTurn(d, 'the agent was no longer running when its machine reconnected');
    settle(d);
    failAccepted(d, 'agent-exited', 'the agent was no longer running when its machine reconnected');
  }
  const attempt = pending(d);
  const s = d.session;
  if (attempt && s.vendorResumeId !== null) {
    command(d, { type: 'resume', attemptId: attempt.id, sessionId: s.id, vendorResumeId: s.vendorResumeId, backend: s.backend, cwd: s.cwd, ...permissionModeField(s.permissionMode) });
  }
  // A start still unanswered (the server restarted before the daemon's answer, or before it sent the start): again.
  if (s.startRequestId !== null && s.status !== 'active') {
    command(d, { type: 'start', requestId: s.startRequestId, sessionId: s.id, provider: s.provider, backend: s.backend, cwd: s.cwd, title: s.title, ...permissionModeField(s.permissionMode) });
  }
  queueDeliveries(d);
  releaseHeld(d);
}

/** Its machine's socket closed: what it was working on for the session will not be answered by another connection. */
export function onDisconnect(d: Draft): void {
  const a = pending(d);
  if (a) failAttempt(d, a, 'machine-disconnected', 'the machine’s connection closed');
  if (d.session.startRequestId === null) return;
  patch(d, { startRequestId: null });
  failAccepted(d, 'machine-disconnected', 'the machine disconnected before the session started');
  notice(d, 'The machine disconnected before this session started.');
}

/** Agent output (each event arrives once: the server dedupes by event id): the turn ending, the vendor retrying, a
 * permission asked, and the transcript lines it adds. */
export function onAgentEvent(d: Draft, { eventId, event }: Extract<MachineEvent, { type: 'agent-event' }>): void {
  const now = d.world.now;
  // The vendor moved on (or ended the turn): its retry notice no longer holds.
  const retryCleared: Partial<SessionFacts> = d.session.agentRetry !== null && event.kind !== 'retry' ? { agentRetry: null } : {};
  const line = { eventId, tool: null, permission: null };
  // Tool calls, plans and streamed text: one entry per call / plan / part, updated in place as later reports come.
  if (isEntryEvent(event)) {
    d.effects.push({ type: 'entry', eventId, event });
    return patch(d, { lastActivityAt: now, ...retryCleared });
  }
  switch (event.kind) {
    case 'turn-end': {
      // "A turn end answers only what this agent took": a message whose agent went away before answering stays delivered.
      const failure = event.failure;
      for (const m of inTurn(d)) {
        if (failure) moveMessage(d, m.id, { type: 'turn-failed', code: failure.code }, failure.detail);
        else moveMessage(d, m.id, { type: 'turn-ended' });
      }
      settle(d);
      // The turn that asked is over (e.g. interrupted while it asked): the vendor dropped what it asked.
      expirePermissions(d);
      return patch(d, { lastActivityAt: now, awaitingPermission: false, ...retryCleared });
    }
    case 'retry': {
      const notice: RetryNotice = { attempt: event.attempt, maxAttempts: event.maxAttempts, detail: event.detail, retryInMs: event.retryInMs, at: now };
      return patch(d, { agentRetry: notice });
    }
    case 'text':
      return append(d, { ...line, role: 'agent', text: event.text }, retryCleared);
    case 'tool':
      return append(d, { ...line, role: 'tool', text: event.input, tool: event.tool }, retryCleared);
    case 'error':
      return append(d, { ...line, role: 'notice', text: event.text }, retryCleared);
    case 'permission-request': {
      const { kind: _kind, ...fields } = event;
      const permission = { ...fields, decision: null };
      append(d, { ...line, role: 'permission', text: `${event.tool}: ${event.input}`, tool: event.tool, permission }, retryCleared);
      return patch(d, { awaitingPermission: true });
    }
    default:
      return assertNever(event);
  }
}
