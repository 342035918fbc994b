// The daemon's durable store and control socket: what a restart reads back, and who may read the socket.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createControlSocket, queryControlSocket } from '../../src/machine/control-socket.ts';
import { openDaemonStore } from '../../src/machine/daemon-store.ts';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'baton-store-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('daemon store', () => {
  it('keeps sessions, delivered ids, settled attempts and the outbox across a restart', () => {
    const laptop = openDaemonStore(join(home, 'daemon'));
    laptop.putSession({ sessionId: 's1', provider: 'claude', backend: 'claude-stream', cwd: '/w', title: 't', vendorId: 'v1', resumable: true, pid: 42, startRequestId: 'r1' });
    laptop.markDelivered('s1', 'm1');
    laptop.putAttempt('a1', { ok: false, sessionId: 's1', code: 'vendor-not-found', detail: 'gone' });
    laptop.enqueue({ type: 'ack', sessionId: 's1' as never, messageId: 'm1' as never });

    const restarted = openDaemonStore(join(home, 'daemon'));
    expect(restarted.session('s1')).toMatchObject({ vendorId: 'v1', resumable: true, pid: 42 });
    expect(restarted.isDelivered('s1', 'm1')).toBe(true);
    expect(restarted.isDelivered('s1', 'm2')).toBe(false);
    expect(restarted.attempt('a1')).toEqual({ ok: false, sessionId: 's1', code: 'vendor-not-found', detail: 'gone' });
    expect(restarted.outbox().map((q) => q.frame.type)).toEqual(['ack']);
    expect(statSync(join(home, 'daemon', 'state.json')).mode & 0o777).toBe(0o600);
  });

  it('drops only frames that were sent', () => {
    const s = openDaemonStore(null);
    const a = s.enqueue({ type: 'heartbeat' });
    s.enqueue({ type: 'heartbeat' });
    s.dropThrough(a.seq);
    expect(s.outbox()).toHaveLength(1);
  });
});

describe('control socket', () => {
  it('answers status to the owner only (0600 socket in a 0700 home) and refuses a second daemon on the same home', async () => {
    const path = join(home, 'daemon.sock');
    const socket = createControlSocket(path, () => ({ link: 'ready' }));
    await socket.start();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(await queryControlSocket(path)).toEqual({ ok: true, status: { link: 'ready' } });
    await expect(createControlSocket(path, () => ({})).start()).rejects.toThrow(/already running/);
    await socket.stop();
    expect(await queryControlSocket(path)).toBeNull();
  });
});
