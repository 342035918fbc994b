import { describe, expect, it } from 'vitest';
import { currentAvailability } from './derived-availability.ts';
import type { MachineRecord, SessionRecord } from './records.ts';

const caps = { 'claude-stream': { installed: true, version: '1', canResume: true, detail: null } };
const laptop = (over: Partial<MachineRecord> = {}): MachineRecord => ({ id: 'm1', name: 'laptop', online: true, lastSeenAt: 1, capabilities: caps, cursor: 5, ...over });
const session = (over: Partial<SessionRecord> = {}): SessionRecord => ({
  id: 's1', machineId: 'm1', provider: 'claude', backend: 'claude-stream', cwd: '/w', title: 't', managed: true, status: 'inactive',
  archived: false, vendorId: 'v', vendorResumeId: 'v', awaitingPermission: false, agentRetry: null, permissionMode: null, createdAt: 1, lastActivityAt: 1,
  availability: { state: 'resumable' }, lastResume: null, cursor: 5, ...over,
});
const settings = { disabledBackends: [], codexBackend: 'codex-app-server' as const };

describe('availability derived from the newest records', () => {
  it('keeps the server’s answer unless the machine record is newer than the session’s', () => {
    const server = { state: 'blocked', reason: 'dependency-missing', detail: 'as the server said' } as const;
    expect(currentAvailability(session({ availability: server }), laptop({ cursor: 5 }), settings)).toEqual(server);
    expect(currentAvailability(session({ availability: server }), undefined, settings)).toEqual(server);
  });

  it('follows the machine going offline, coming back, and losing a dependency', () => {
    expect(currentAvailability(session(), laptop({ online: false, cursor: 9 }), settings)).toEqual({ state: 'blocked', reason: 'machine-offline', detail: 'laptop' });
    const offline = session({ availability: { state: 'blocked', reason: 'machine-offline', detail: 'laptop' } });
    expect(currentAvailability(offline, laptop({ cursor: 9 }), settings)).toEqual({ state: 'resumable' });
    expect(currentAvailability(session({ status: 'active', availability: { state: 'live' } }), laptop({ online: false, cursor: 9 }), settings)).toMatchObject({ reason: 'machine-offline' });
    const noCli = laptop({ cursor: 9, capabilities: { 'claude-stream': { installed: false, version: null, canResume: false, detail: 'claude is not installed on laptop' } } });
    expect(currentAvailability(session(), noCli, settings)).toEqual({ state: 'blocked', reason: 'dependency-missing', detail: 'claude is not installed on laptop' });
  });

  it('a session resuming (or starting) on a machine that is still online stays resuming; archived stays archived', () => {
    expect(currentAvailability(session({ availability: { state: 'resuming' } }), laptop({ cursor: 9 }), settings)).toEqual({ state: 'resuming' });
    expect(currentAvailability(session({ archived: true, availability: { state: 'blocked', reason: 'archived' } }), laptop({ cursor: 9 }), settings)).toEqual({ state: 'blocked', reason: 'archived' });
  });
});
