// A new session: the checks a start must pass (the same rule and words as availability), and the session it
// creates — inactive, its start in flight, its first message accepted to go out once it started.
import { BACKEND_INFO, DEFAULT_BACKEND, isBackendOf, type Backend, type MachineCapabilities, type Provider } from '../providers.ts';
import { describeBlock } from '../availability.ts';
import { isPermissionMode, permissionModeField } from '../permission-modes.ts';
import type { AccountId, MachineId, MessageId, SessionId } from '../ids.ts';
import type { Refusal, SessionEffect } from './effects.ts';
import type { MessageSnap, SessionSnapshot, WorldFacts } from './snapshot.ts';

export interface StartRequest {
  readonly provider: Provider;
  readonly backend?: Backend | undefined;
  readonly cwd: string;
  readonly title?: string | undefined;
  /** How much the agent may do without asking; absent: the vendor's default. */
  readonly permissionMode?: string | undefined;
}

export interface StartFacts {
  readonly machine: { readonly name: string; readonly online: boolean; readonly connected: boolean; readonly capabilities: MachineCapabilities | null };
  readonly disabledBackends: readonly Backend[];
  readonly codexBackend: Backend;
}

/** The backend a start uses, or why it cannot start now (checked in the order availability checks them). */
export function planStart(req: StartRequest, f: StartFacts): { readonly ok: true; readonly backend: Backend } | { readonly ok: false; readonly refusal: Refusal } {
  const backend: Backend = req.backend ?? (req.provider === 'codex' ? f.codexBackend : DEFAULT_BACKEND[req.provider]);
  if (!isBackendOf(req.provider, backend)) return { ok: false, refusal: { kind: 'bad-request', message: `backend ${backend} does not run ${req.provider}` } };
  if (req.permissionMode !== undefined && !isPermissionMode(backend, req.permissionMode)) return { ok: false, refusal: badMode(backend, req.permissionMode) };
  if (f.disabledBackends.includes(backend)) return blocked('backend-disabled', backend);
  const caps = f.machine.capabilities;
  const cap = caps?.[backend];
  if (caps && (!cap || !cap.installed)) return blocked('dependency-missing', cap?.detail ?? `${BACKEND_INFO[backend].command} is not installed on ${f.machine.name}`);
  if (!f.machine.online || !f.machine.connected) return blocked('machine-offline', f.machine.name);
  return { ok: true, backend };
}

/** A mode the backend does not have: the same words a session's later change of mode gets. */
export function badMode(backend: Backend, mode: string): Refusal {
  return { kind: 'bad-request', message: `invalid body: permissionMode: ${BACKEND_INFO[backend].label} has no mode “${mode}”` };
}

function blocked(reason: 'backend-disabled' | 'dependency-missing' | 'machine-offline', detail: string) {
  const words = describeBlock(reason, detail);
  return { ok: false as const, refusal: { kind: 'blocked' as const, message: words.sentence, extra: { reason, sentence: words.sentence, fix: words.fix } } };
}

export interface NewSession {
  readonly id: SessionId;
  readonly accountId: AccountId;
  readonly machineId: MachineId;
  readonly requestId: string;
  readonly backend: Backend;
  readonly request: StartRequest;
  /** The first message (with a summary of an older session before it, when asked for one). */
  readonly first: { readonly id: MessageId; readonly clientId: string; readonly text: string } | null;
}

/** The session a planned start creates and the `start` its machine is sent. */
export function createSession(n: NewSession, world: WorldFacts): { readonly snapshot: SessionSnapshot; readonly effects: readonly SessionEffect[] } {
  const r = n.request;
  const now = world.now;
  const title = r.title ?? `${r.provider} in ${r.cwd.split('/').filter(Boolean).pop() ?? r.cwd}`;
  const messages: MessageSnap[] = n.first
    ? [{
        id: n.first.id, seq: 0, role: 'user', text: n.first.text, clientId: n.first.clientId, state: 'accepted', failure: null, turnLost: false,
        attemptId: null, heldUntil: null, permission: null, createdAt: now, updatedAt: now,
      }]
    : [];
  const snapshot: SessionSnapshot = {
    session: {
      id: n.id, accountId: n.accountId, machineId: n.machineId, provider: r.provider, backend: n.backend, cwd: r.cwd, title, managed: true,
      archived: false, status: 'inactive', vendorId: null, vendorResumeId: null, awaitingPermission: false, agentRetry: null,
      permissionMode: r.permissionMode ?? null, startRequestId: n.requestId, lastActivityAt: now,
    },
    messages, attempts: [], world,
  };
  const effects: SessionEffect[] = [
    ...messages.map((m) => ({ type: 'hint', messageId: m.id }) as const),
    { type: 'command', command: { type: 'start', requestId: n.requestId, sessionId: n.id, provider: r.provider, backend: n.backend, cwd: r.cwd, title, ...permissionModeField(r.permissionMode) } },
  ];
  return { snapshot, effects };
}
