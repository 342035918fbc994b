// Snapshots of one session in each lifecycle state, and a canonical event of each type, for the tests of `step`.
import {
  asAccountId, asAttemptId, asMachineId, asMessageId, asPermissionId, asSessionId, asVendorId,
  type AttemptSnap, type Lifecycle, type MessageSnap, type SessionEvent, type SessionEventType, type SessionFacts, type SessionSnapshot, type WorldFacts,
} from '../../src/core/index.ts';

export const NOW = 1_000_000;
export const ids = {
  session: asSessionId('ses-1'), account: asAccountId('acc-1'), machine: asMachineId('mac-1'), vendor: asVendorId('v-1'),
  attempt: asAttemptId('att-1'), newAttempt: asAttemptId('att-new'), newMessage: asMessageId('msg-new'),
  accepted: asMessageId('m-accepted'), delivered: asMessageId('m-delivered'), waiting: asMessageId('m-waiting'), held: asMessageId('m-held'),
  permissionMessage: asMessageId('m-permission'), permission: asPermissionId('p-1'),
};

export function world(over: Partial<WorldFacts> = {}): WorldFacts {
  return {
    now: NOW, disabledBackends: [], holdMs: 24 * 3600_000, resumeTimeoutMs: 60_000,
    machine: { name: 'laptop', online: true, connected: true, lastSeenAt: NOW - 5_000, capabilities: null },
    ids: { message: ids.newMessage, attempt: ids.newAttempt },
    ...over,
  };
}

export function facts(over: Partial<SessionFacts> = {}): SessionFacts {
  return {
    id: ids.session, accountId: ids.account, machineId: ids.machine, provider: 'claude', backend: 'claude-stream', cwd: '/work', title: 'claude in work',
    managed: true, archived: false, status: 'inactive', vendorId: ids.vendor, vendorResumeId: ids.vendor, awaitingPermission: false, agentRetry: null, permissionMode: null,
    startRequestId: null, lastActivityAt: NOW - 60_000,
    ...over,
  };
}

let seq = 0;
export function message(id: string, over: Partial<MessageSnap> = {}): MessageSnap {
  return {
    id: asMessageId(id), seq: ++seq, role: 'user', text: `text of ${id}`, clientId: `c-${id}`, state: 'accepted', failure: null, turnLost: false,
    attemptId: null, heldUntil: null, permission: null, createdAt: NOW - 10_000, updatedAt: NOW - 10_000,
    ...over,
  };
}

export function attempt(over: Partial<AttemptSnap> = {}): AttemptSnap {
  return { id: ids.attempt, machineId: ids.machine, state: 'pending', code: null, detail: null, startedAt: NOW - 1_000, endedAt: null, ...over };
}

export function snapshot(parts: { session?: Partial<SessionFacts>; messages?: MessageSnap[]; attempts?: AttemptSnap[]; world?: Partial<WorldFacts> } = {}): SessionSnapshot {
  return deepFreeze({ session: facts(parts.session), messages: parts.messages ?? [], attempts: parts.attempts ?? [], world: world(parts.world) });
}

/** A representative session in each state (what the table runs every event against). */
export function inState(state: Lifecycle): SessionSnapshot {
  switch (state) {
    case 'inactive':
      return snapshot();
    case 'live':
      return snapshot({
        session: { status: 'active', awaitingPermission: true },
        messages: [
          message(ids.delivered, { state: 'delivered' }),
          message(ids.accepted),
          message(ids.permissionMessage, { role: 'permission', state: null, clientId: 'ev-1', permission: { permissionId: ids.permission, tool: 'Bash', input: 'ls', decision: null } }),
        ],
      });
    case 'starting':
      return snapshot({ session: { startRequestId: 'req-1', vendorId: null, vendorResumeId: null }, messages: [message(ids.accepted)] });
    case 'resuming':
      return snapshot({ messages: [message(ids.waiting, { state: 'awaiting-resume', attemptId: ids.attempt })], attempts: [attempt()] });
    case 'archived':
      return snapshot({ session: { archived: true } });
  }
}

/** One canonical event of each type. */
export const EVENTS: Readonly<Record<SessionEventType, SessionEvent>> = {
  started: { type: 'started', requestId: 'req-1', vendorId: asVendorId('v-new') },
  'start-failed': { type: 'start-failed', requestId: 'req-1', code: 'vendor-error', detail: 'no such flag' },
  resumable: { type: 'resumable', vendorResumeId: ids.vendor },
  'resume-result': { type: 'resume-result', attemptId: ids.attempt, ok: true, vendorResumeId: ids.vendor },
  ack: { type: 'ack', messageId: ids.accepted },
  'deliver-failed': { type: 'deliver-failed', messageId: ids.accepted, code: 'agent-exited', detail: 'gone' },
  'agent-event': { type: 'agent-event', eventId: 'ev-9', event: { kind: 'turn-end' } },
  stopped: { type: 'stopped', reason: 'crashed', detail: 'boom' },
  hello: { type: 'hello', report: { sessionId: ids.session, vendorResumeId: ids.vendor, running: false } },
  disconnect: { type: 'disconnect' },
  send: { type: 'send', clientId: 'c-new', text: 'hello' },
  stop: { type: 'stop' },
  archive: { type: 'archive' },
  unarchive: { type: 'unarchive' },
  interrupt: { type: 'interrupt' },
  'answer-permission': { type: 'answer-permission', permissionId: ids.permission, decision: 'allow', answeredBy: { deviceId: 'dev_phone', name: 'Pixel' } },
  'take-over': { type: 'take-over' },
  'cancel-held': { type: 'cancel-held', messageId: ids.held },
  rename: { type: 'rename', title: 'renamed' },
  'set-permission-mode': { type: 'set-permission-mode', mode: 'acceptEdits' },
  'resume-deadline': { type: 'resume-deadline', attemptId: ids.attempt },
  'hold-expired': { type: 'hold-expired', messageId: ids.held },
  recheck: { type: 'recheck' },
};

/** Frozen all the way down: a step that changed its input would throw. */
export function deepFreeze<T>(x: T): T {
  if (x && typeof x === 'object' && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x)) deepFreeze(v);
  }
  return x;
}
