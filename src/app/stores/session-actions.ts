// What the user can do to a session from the phone besides sending (the runtime's `send`): answer permissions, fix blocks, share.
import { BACKEND_INFO, DEFAULT_BACKEND, type Backend, type Provider } from '../../core/providers.ts';
import type { MessageRecord, SessionRecord, SettingsRecord, ShareRecord } from '../../core/records.ts';
import { newClientId } from '../lib/client-id.ts';
import { cancelMessage, retryMessage } from './outbox.ts';
import { $runtime, type Runtime } from './runtime.ts';
import { putSession, putSettings } from './sync.ts';
import { applyLiveMessage } from './transcript.ts';

function rt(): Runtime {
  const r = $runtime.get();
  if (!r) throw new Error('No server is selected.');
  return r;
}
/** The route of each action on a session (src/core/routes.ts). */
const SESSION_ACTIONS = { archive: 'archiveSession', unarchive: 'unarchiveSession', takeover: 'takeOverSession', stop: 'stopSession' } as const;

/** Call off a message the server holds for its offline machine (it becomes not delivered, its text kept). */
export async function cancelWaiting(clientId: string): Promise<void> {
  const r = rt();
  await cancelMessage(r.db, r.api, clientId);
}

export async function retry(clientId: string): Promise<void> {
  const r = rt();
  await retryMessage(r.db, clientId);
  await r.flush();
}

/**
 * Allow or Deny, bound to the hash of the input the phone showed (the server refuses it, 409, for any other input),
 * and for the rest of the session when the user chose that.
 */
export async function answerPermission(sessionId: string, permissionId: string, answer: { decision: 'allow' | 'deny'; inputHash: string; scope: 'once' | 'session' }): Promise<MessageRecord> {
  const r = rt();
  const body = { decision: answer.decision, inputHash: answer.inputHash, ...(answer.scope === 'session' ? { scope: 'session' as const } : {}) };
  const res = await r.api.call('answerPermission', { id: sessionId, permissionId, body });
  // Show the decision at once; the socket's copy of the same record changes nothing after this.
  await applyLiveMessage(r.db, res.message);
  return res.message;
}

async function sessionAction(sessionId: string, action: 'archive' | 'unarchive' | 'takeover' | 'stop'): Promise<SessionRecord> {
  const r = rt();
  const res = await r.api.call(SESSION_ACTIONS[action], { id: sessionId });
  await putSession(r.db, res.session);
  void r.refresh();
  return res.session;
}
export const archiveSession = (id: string) => sessionAction(id, 'archive');
export const unarchiveSession = (id: string) => sessionAction(id, 'unarchive');
export const takeOverSession = (id: string) => sessionAction(id, 'takeover');
export const stopSession = (id: string) => sessionAction(id, 'stop');

export async function interruptSession(sessionId: string): Promise<void> {
  await rt().api.call('interruptSession', { id: sessionId });
}

/** Change how much the session's agent may do without asking; a running agent gets it at once. */
export async function setPermissionMode(sessionId: string, permissionMode: string): Promise<SessionRecord> {
  const r = rt();
  const res = await r.api.call('editSession', { id: sessionId, body: { permissionMode } });
  await putSession(r.db, res.session);
  return res.session;
}

export async function renameSession(sessionId: string, title: string): Promise<void> {
  const r = rt();
  const res = await r.api.call('editSession', { id: sessionId, body: { title } });
  await putSession(r.db, res.session);
}

export interface NewSessionInput {
  readonly machineId: string;
  readonly provider: Provider;
  readonly backend: Backend;
  readonly cwd: string;
  readonly title?: string;
  /** Optional first message, delivered once the agent is up. */
  readonly message?: string;
  /** How much the agent may do without asking (absent: the vendor's default). */
  readonly permissionMode?: string;
}

/** Start a fresh session on a machine from the phone. */
export async function startSession(input: NewSessionInput): Promise<SessionRecord> {
  const r = rt();
  const title = input.title?.trim();
  const text = input.message?.trim() ? input.message : undefined;
  const res = await r.api.call('startSession', { body: {
    machineId: input.machineId,
    provider: input.provider,
    backend: input.backend,
    cwd: input.cwd.trim(),
    ...(title ? { title } : {}),
    ...(text ? { message: { clientId: newClientId(), text } } : {}),
    ...(input.permissionMode ? { permissionMode: input.permissionMode } : {}),
  } });
  await putSession(r.db, res.session);
  void r.refresh();
  return res.session;
}

/**
 * The explicit "start a new session with this message": a new vendor session on the same machine
 * and folder, on a backend that can resume, optionally seeded with a summary of the old one.
 */
export async function startNewSessionWith(old: SessionRecord, text: string, withSummary: boolean, where: { machineId?: string; cwd?: string } = {}): Promise<SessionRecord> {
  const r = rt();
  const backend = BACKEND_INFO[old.backend].supportsResume ? old.backend : DEFAULT_BACKEND[old.provider];
  const res = await r.api.call('startSession', { body: {
    machineId: where.machineId ?? old.machineId,
    provider: old.provider,
    backend,
    cwd: where.cwd?.trim() || old.cwd,
    // The new session asks as the old one did.
    ...(old.permissionMode && backend === old.backend ? { permissionMode: old.permissionMode } : {}),
    title: old.title ? `${old.title.slice(0, 180)} (new)` : undefined,
    message: { clientId: newClientId(), text },
    ...(withSummary ? { summaryOf: old.id } : {}),
  } });
  await putSession(r.db, res.session);
  void r.refresh();
  return res.session;
}

export async function updateSettings(patch: Partial<SettingsRecord>): Promise<SettingsRecord> {
  const r = rt();
  const settings = await r.api.call('updateSettings', { body: patch });
  await putSettings(r.db, settings);
  void r.refresh();
  return settings;
}

export interface CreatedShare {
  readonly id: string;
  readonly token: string;
  readonly url: string;
  readonly expiresAt: number;
}

export async function createShare(sessionId: string, expiresInSeconds: number): Promise<CreatedShare> {
  return rt().api.call('createShare', { id: sessionId, body: { expiresInSeconds } });
}

/** The session's share links (active, expired and revoked). */
export async function listShares(sessionId: string): Promise<ShareRecord[]> {
  return (await rt().api.call('listShares', { id: sessionId })).shares;
}

/** Revoke a share link: it stops working, and whoever watches through it is cut off at once. */
export async function revokeShare(shareId: string): Promise<void> {
  await rt().api.call('revokeShare', { id: shareId });
}
