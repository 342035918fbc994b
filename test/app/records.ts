// Builders for the records the server sends, with every field a test does not care about filled in.
import type { MachineRecord, MessageRecord, SessionRecord } from '../../src/core/records.ts';

export function session(over: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: 'S1', machineId: 'laptop', provider: 'claude', backend: 'claude-stream', cwd: '/home/dev/app', title: 'Fix login',
    managed: true, status: 'inactive', archived: false, vendorId: 'v1', vendorResumeId: 'v1', awaitingPermission: false, agentRetry: null, permissionMode: null,
    createdAt: 1, lastActivityAt: 1_000, availability: { state: 'resumable' }, lastResume: null, cursor: 1, ...over,
  };
}

export function machine(over: Partial<MachineRecord> = {}): MachineRecord {
  return {
    id: 'laptop', name: 'laptop', online: true, lastSeenAt: 1_000, cursor: 1,
    capabilities: { 'claude-stream': { installed: true, version: '1.0', canResume: true, detail: null } }, ...over,
  };
}

export function agentMessage(sessionId: string, seq: number, text = `line ${seq}`): MessageRecord {
  return { id: `${sessionId}-${seq}`, sessionId, seq, role: 'agent', text, clientId: null, state: null, failure: null, tool: null, permission: null, createdAt: seq, updatedAt: seq };
}
