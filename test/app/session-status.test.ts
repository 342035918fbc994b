// @vitest-environment node
// What the phone says about a session: a live agent stopped for Allow/Deny says "waiting for approval" first.
import { describe, expect, it } from 'vitest';
import { sessionStatus } from '../../src/app/stores/session-status.ts';
import { activeDevices } from '../../src/app/stores/devices.ts';
import { machine, session } from './records.ts';

const live = session({ status: 'active', availability: { state: 'live' } });

describe('session status', () => {
  it('says "waiting for approval" while a live agent waits on a permission request, and can still be written to', () => {
    const s = sessionStatus({ ...live, awaitingPermission: true }, machine(), null, true, 0);
    expect(s).toMatchObject({ chip: 'waiting for approval', tone: 'busy', canCompose: true, sendLabel: 'Send' });
    expect(sessionStatus(live, machine(), null, true, 0).chip).toBe('live');
  });

  it('offline, a session last known live says "was live" (its approval state is not known now)', () => {
    expect(sessionStatus({ ...live, awaitingPermission: true }, machine(), null, false, 0).chip).toBe('was live');
  });
});

describe('devices', () => {
  it('lists this device first, then the others newest first; revoked ones are left out', () => {
    const d = (id: string, createdAt: number, over: { current?: boolean; revoked?: boolean } = {}) => ({ id, kind: 'phone' as const, name: id, createdAt, revoked: false, current: false, ...over });
    const list = activeDevices([d('old', 1), d('me', 2, { current: true }), d('new', 3), d('gone', 4, { revoked: true })]);
    expect(list.map((x) => x.id)).toEqual(['me', 'new', 'old']);
  });
});
