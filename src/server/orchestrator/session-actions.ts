// What a phone can do to a session besides sending: start, rename, archive, stop, interrupt, take over, answer permissions.
import {
  BACKEND_INFO, BatonError, DEFAULT_BACKEND, describeBlock, isBackendOf, isPermissionMode, permissionModeField,
  type Backend, type MachineCapabilities, type MessageRecord, type SessionRecord, type StartSessionRequest,
} from '../../core/index.ts';
import type { ServerContext } from '../context.ts';
import { toMessageRecord } from '../store/messages.ts';
import type { SessionRow } from '../store/sessions.ts';
import { newId } from '../tokens.ts';
import { sessionView } from '../views.ts';
import type { ResumeService } from './resume.ts';
import { summaryOf } from './summary.ts';
import { touchSession } from './transitions.ts';

function mustGet(ctx: ServerContext, accountId: string, sessionId: string): SessionRow {
  const s = ctx.stores.sessions.get(accountId, sessionId);
  if (!s) throw new BatonError('not-found', `no session ${sessionId}`);
  return s;
}

function requireOnline(ctx: ServerContext, s: SessionRow): void {
  if (!ctx.machines.isConnected(s.machine_id)) throw new BatonError('unavailable', 'the machine that owns this session is not connected');
}

function blocked(reason: 'backend-disabled' | 'dependency-missing' | 'machine-offline', detail: string): BatonError {
  const words = describeBlock(reason, detail);
  return new BatonError('blocked', words.sentence, { reason, sentence: words.sentence, fix: words.fix });
}

export function startSession(ctx: ServerContext, accountId: string, body: StartSessionRequest): SessionRecord {
  const { stores } = ctx;
  const row = ctx.change((tx) => {
    const machine = stores.machines.get(accountId, body.machineId);
    if (!machine) throw new BatonError('not-found', `no machine ${body.machineId}`);
    const settings = stores.settings.get(accountId);
    const backend: Backend = body.backend ?? (body.provider === 'codex' ? settings.codexBackend : DEFAULT_BACKEND[body.provider]);
    if (!isBackendOf(body.provider, backend)) throw new BatonError('bad-request', `backend ${backend} does not run ${body.provider}`);
    if (settings.disabledBackends.includes(backend)) throw blocked('backend-disabled', backend);
    const caps = machine.capabilities === null ? null : (JSON.parse(machine.capabilities) as MachineCapabilities);
    const cap = caps?.[backend];
    if (caps && (!cap || !cap.installed)) throw blocked('dependency-missing', cap?.detail ?? `${BACKEND_INFO[backend].command} is not installed on ${machine.name}`);
    if (machine.online !== 1 || !ctx.machines.isConnected(machine.id)) throw blocked('machine-offline', machine.name);
    if (body.permissionMode !== undefined && !isPermissionMode(backend, body.permissionMode)) throw badMode(backend, body.permissionMode);
    const old = body.summaryOf === undefined ? undefined : stores.sessions.get(accountId, body.summaryOf);
    if (body.summaryOf !== undefined && !old) throw new BatonError('not-found', `no session ${body.summaryOf}`);

    const now = ctx.now();
    const id = newId('ses');
    const requestId = newId('req');
    const title = body.title ?? `${body.provider} in ${body.cwd.split('/').filter(Boolean).pop() ?? body.cwd}`;
    stores.sessions.insert({
      id, account_id: accountId, machine_id: machine.id, provider: body.provider, backend, cwd: body.cwd, title, managed: 1,
      status: 'inactive', vendor_id: null, vendor_resume_id: null, start_request_id: requestId, created_at: now, last_activity_at: now,
      cursor: tx.cursor(accountId),
    });
    if (body.permissionMode !== undefined) stores.sessions.update(id, tx.cursor(accountId), { permission_mode: body.permissionMode });
    const seed = old ? summaryOf(ctx, old) : null;
    if (body.message || seed) {
      // Accepted now, delivered once `started` arrives (a session is inactive until then).
      const text = [seed, body.message?.text].filter(Boolean).join('\n\n');
      const m = stores.messages.insert({
        id: newId('msg'), session_id: id, role: 'user', origin: 'user', client_id: body.message?.clientId ?? newId('seed'), text,
        state: 'accepted', tool: null, permission: null, attempt_id: null, created_at: now,
      });
      tx.messageChanged(accountId, m);
    }
    tx.toMachine(machine.id, { type: 'start', requestId, sessionId: id as never, provider: body.provider, backend, cwd: body.cwd, title, ...permissionModeField(body.permissionMode) });
    return stores.sessions.byId(id)!;
  });
  return sessionView(ctx, row);
}

function badMode(backend: Backend, mode: string): BatonError {
  return new BatonError('bad-request', `invalid body: permissionMode: ${BACKEND_INFO[backend].label} has no mode “${mode}”`);
}

/** A new title and/or permission mode; a mode reaches a running agent at once (the next start or resume carries it anyway). */
export function renameSession(ctx: ServerContext, accountId: string, sessionId: string, patch: { title?: string; permissionMode?: string }): SessionRecord {
  return ctx.change((tx) => {
    const s = mustGet(ctx, accountId, sessionId);
    const mode = patch.permissionMode;
    if (mode !== undefined) {
      if (s.managed !== 1) throw new BatonError('conflict', 'take this session over before choosing how its agent asks');
      if (!isPermissionMode(s.backend, mode)) throw badMode(s.backend, mode);
    }
    touchSession(ctx, tx, accountId, s.id, { ...(patch.title !== undefined ? { title: patch.title } : {}), ...(mode !== undefined ? { permission_mode: mode } : {}) });
    if (mode !== undefined && s.status === 'active') tx.toMachine(s.machine_id, { type: 'set-permission-mode', sessionId: s.id as never, mode: mode as never });
    return sessionView(ctx, stores(ctx).byId(s.id)!);
  });
}

export function setArchived(ctx: ServerContext, resume: ResumeService, accountId: string, sessionId: string, archived: boolean): SessionRecord {
  return ctx.change((tx) => {
    const s = mustGet(ctx, accountId, sessionId);
    // Invariant 5: an archived session is never resumed, so a resume in flight is called off too.
    const wasReopening = archived && resume.cancelPending(tx, s, 'the session was archived while it was being reopened');
    if (archived && s.status === 'active') tx.toMachine(s.machine_id, { type: 'stop', sessionId: s.id as never });
    // Nothing runs for it: the daemon may forget it now (else when its `stopped` comes, or at its next hello).
    else if (archived && !wasReopening && s.managed === 1) tx.toMachine(s.machine_id, { type: 'forget', sessionId: s.id as never });
    if ((s.archived === 1) !== archived) touchSession(ctx, tx, accountId, s.id, { archived: archived ? 1 : 0 });
    return sessionView(ctx, stores(ctx).byId(s.id)!);
  });
}

export function stopSession(ctx: ServerContext, resume: ResumeService, accountId: string, sessionId: string): SessionRecord {
  const s = mustGet(ctx, accountId, sessionId);
  // Stopping a session that is being reopened calls the resume off (and stops what it brings up).
  if (s.status !== 'active' && ctx.change((tx) => resume.cancelPending(tx, s, 'the session was stopped while it was being reopened'))) {
    return sessionView(ctx, ctx.stores.sessions.byId(s.id)!);
  }
  if (s.status !== 'active') throw new BatonError('conflict', 'the session is not running');
  requireOnline(ctx, s);
  ctx.machines.send(s.machine_id, { type: 'stop', sessionId: s.id as never });
  return sessionView(ctx, s);
}

export function interruptSession(ctx: ServerContext, accountId: string, sessionId: string): void {
  const s = mustGet(ctx, accountId, sessionId);
  if (s.status !== 'active') throw new BatonError('conflict', 'the session is not running');
  requireOnline(ctx, s);
  ctx.machines.send(s.machine_id, { type: 'interrupt', sessionId: s.id as never });
}

export function takeOver(ctx: ServerContext, accountId: string, sessionId: string): SessionRecord {
  return ctx.change((tx) => {
    const s = mustGet(ctx, accountId, sessionId);
    if (s.managed === 1) throw new BatonError('conflict', 'this session is already managed by Baton');
    touchSession(ctx, tx, accountId, s.id, { managed: 1 });
    // Only binds the id; nothing starts until the first send resumes it strictly.
    tx.toMachine(s.machine_id, {
      type: 'adopt', sessionId: s.id as never, vendorResumeId: s.vendor_resume_id as never, provider: s.provider, backend: s.backend, cwd: s.cwd,
    });
    return sessionView(ctx, stores(ctx).byId(s.id)!);
  });
}

export function answerPermission(ctx: ServerContext, accountId: string, sessionId: string, permissionId: string, decision: 'allow' | 'deny', scope: 'once' | 'session' = 'once'): MessageRecord {
  return ctx.change((tx) => {
    const s = mustGet(ctx, accountId, sessionId);
    const m = ctx.stores.messages.permission(s.id, permissionId);
    if (!m || !m.permission) throw new BatonError('not-found', `no permission request ${permissionId}`);
    const info = JSON.parse(m.permission) as NonNullable<MessageRecord['permission']>;
    if (info.decision !== null) throw new BatonError('conflict', `this permission was already answered (${info.decision})`);
    if (s.status !== 'active') throw new BatonError('conflict', 'the session is not running, so the agent is no longer asking');
    // Allow approves exactly what was shown: an input too long to show whole cannot be allowed from here.
    if (decision === 'allow' && info.inputTruncated) throw new BatonError('conflict', 'this request is too long to show in full here; answer it on its machine');
    if (scope === 'session' && (decision !== 'allow' || !info.sessionScope)) throw new BatonError('bad-request', 'invalid body: scope: this request can only be answered once');
    requireOnline(ctx, s);
    const updated = ctx.stores.messages.setPermission(m.id, { ...info, decision, ...(scope === 'session' ? { scope } : {}) }, ctx.now());
    touchSession(ctx, tx, accountId, s.id, { awaiting_permission: ctx.stores.messages.openPermissionCount(s.id) > 0 ? 1 : 0 });
    tx.messageChanged(accountId, updated);
    tx.toMachine(s.machine_id, { type: 'permission-answer', sessionId: s.id as never, permissionId: permissionId as never, decision, ...(scope === 'session' ? { scope } : {}) });
    return toMessageRecord(updated);
  });
}

const stores = (ctx: ServerContext) => ctx.stores.sessions;
