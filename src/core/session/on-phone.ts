// What a person can do to a session from a phone (or the CLI), besides sending (messages.ts): stop, archive,
// interrupt, answer a permission, take over, call off a held message, rename. A refusal changes nothing.
import { isPermissionMode } from '../permission-modes.ts';
import type { PhoneAction } from './events.ts';
import { command, patch, refuse, setMessage, type Draft } from './draft.ts';
import { badMode } from './start.ts';
import { cancelResume, endHeld, endHeldIfBlocked } from './messages.ts';

type Of<T extends PhoneAction['type']> = Extract<PhoneAction, { type: T }>;

const notRunning = (d: Draft, message = 'the session is not running') => refuse(d, { kind: 'conflict', message });
const offline = (d: Draft) => refuse(d, { kind: 'unavailable', message: 'the machine that owns this session is not connected' });

export function onStop(d: Draft): void {
  // Stopping a session that is being reopened calls the resume off (and stops what it brings up).
  if (d.session.status !== 'active' && cancelResume(d, 'the session was stopped while it was being reopened')) return;
  if (d.session.status !== 'active') return notRunning(d);
  if (!d.world.machine?.connected) return offline(d);
  command(d, { type: 'stop', sessionId: d.session.id });
}

export function onArchive(d: Draft): void {
  const s = d.session;
  // Invariant 5: an archived session is never resumed, so a resume in flight is called off too.
  const wasReopening = cancelResume(d, 'the session was archived while it was being reopened');
  if (s.status === 'active') command(d, { type: 'stop', sessionId: s.id });
  // Nothing runs for it: the daemon may forget it now (else when its `stopped` comes, or at its next hello).
  else if (!wasReopening && s.managed) command(d, { type: 'forget', sessionId: s.id });
  if (!s.archived) patch(d, { archived: true });
  // Nothing held for it waits on.
  endHeldIfBlocked(d);
}

export function onUnarchive(d: Draft): void {
  if (d.session.archived) patch(d, { archived: false });
}

export function onInterrupt(d: Draft): void {
  if (d.session.status !== 'active') return notRunning(d);
  if (!d.world.machine?.connected) return offline(d);
  command(d, { type: 'interrupt', sessionId: d.session.id });
}

export function onAnswerPermission(d: Draft, e: Of<'answer-permission'>): void {
  const open = [...d.messages.values()].filter((m) => m.role === 'permission' && m.permission !== null);
  const m = open.find((x) => x.permission!.permissionId === e.permissionId);
  if (!m?.permission) return refuse(d, { kind: 'not-found', message: `no permission request ${e.permissionId}` });
  if (m.permission.decision === 'expired') return refuse(d, { kind: 'conflict', message: 'the agent that asked this has stopped, so it is no longer asking' });
  if (m.permission.decision !== null) return refuse(d, { kind: 'conflict', message: `this permission was already answered (${m.permission.decision})` });
  if (d.session.status !== 'active') return notRunning(d, 'the session is not running, so the agent is no longer asking');
  // Allow approves exactly what was shown: an input too long to show whole cannot be allowed from here.
  if (e.decision === 'allow' && m.permission.inputTruncated) return refuse(d, { kind: 'conflict', message: 'this request is too long to show in full here; answer it on its machine' });
  const session = e.scope === 'session';
  if (session && (e.decision !== 'allow' || !m.permission.sessionScope)) return refuse(d, { kind: 'bad-request', message: 'invalid body: scope: this request can only be answered once' });
  if (!d.world.machine?.connected) return offline(d);
  setMessage(d, m.id, { permission: { ...m.permission, decision: e.decision, answeredBy: e.answeredBy, ...(session ? { scope: 'session' as const } : {}) }, updatedAt: d.world.now }, true);
  const stillOpen = open.some((x) => x.id !== m.id && x.permission!.decision === null);
  patch(d, { awaitingPermission: stillOpen });
  command(d, { type: 'permission-answer', sessionId: d.session.id, permissionId: e.permissionId, decision: e.decision, answeredBy: e.answeredBy, ...(session ? { scope: 'session' as const } : {}) });
}

export function onTakeOver(d: Draft): void {
  const s = d.session;
  if (s.managed) return refuse(d, { kind: 'conflict', message: 'this session is already managed by Baton' });
  if (s.vendorResumeId === null) return refuse(d, { kind: 'conflict', message: 'this session has no vendor session id to take over' });
  patch(d, { managed: true });
  // Only binds the id; nothing starts until the first send resumes it strictly.
  command(d, { type: 'adopt', sessionId: s.id, vendorResumeId: s.vendorResumeId, provider: s.provider, backend: s.backend, cwd: s.cwd });
}

export function onCancelHeld(d: Draft, e: Of<'cancel-held'>): void {
  const m = d.messages.get(e.messageId);
  if (!m || m.role !== 'user') return refuse(d, { kind: 'not-found', message: `no message ${e.messageId} in session ${d.session.id}` });
  if (m.state !== 'held') return refuse(d, { kind: 'conflict', message: `this message is no longer waiting for its machine (it is ${m.state})` });
  endHeld(d, m.id, 'cancelled', 'called off before its machine came back');
}

export function onRename(d: Draft, e: Of<'rename'>): void {
  patch(d, { title: e.title });
}

export function onSetPermissionMode(d: Draft, e: Of<'set-permission-mode'>): void {
  const s = d.session;
  if (!s.managed) return refuse(d, { kind: 'conflict', message: 'take this session over before choosing how its agent asks' });
  if (!isPermissionMode(s.backend, e.mode)) return refuse(d, badMode(s.backend, e.mode));
  if (s.permissionMode !== e.mode) patch(d, { permissionMode: e.mode });
  // A running agent is told now; the next start or resume carries the mode anyway.
  if (s.status === 'active' && d.world.machine?.connected) command(d, { type: 'set-permission-mode', sessionId: s.id, mode: e.mode });
}
