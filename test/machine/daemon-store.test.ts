// The daemon's durable store and control socket: what a restart reads back, and who may read the socket.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { asSessionId, asVendorId } from '../../src/core/index.ts';
import { createControlSocket, queryControlSocket } from '../../src/machine/control-socket.ts';
import { openDaemonStore } from '../../src/machine/daemon-store.ts';
import { writeJsonFileAtomic } from '../../src/machine/json-file.ts';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'baton-store-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('daemon store', () => {
  it('keeps sessions, delivered ids, settled attempts and the outbox across a restart', () => {
    const laptop = openDaemonStore(join(home, 'daemon'));
    laptop.putSession({ sessionId: asSessionId('s1'), provider: 'claude', backend: 'claude-stream', cwd: '/w', title: 't', vendorId: asVendorId('v1'), resumable: true, pid: 42, startRequestId: 'r1' });
    laptop.markDelivered('s1', 'm1');
    laptop.putAttempt('a1', { ok: false, sessionId: asSessionId('s1'), code: 'vendor-not-found', detail: 'gone' });
    laptop.enqueue({ type: 'ack', sessionId: 's1' as never, messageId: 'm1' as never });

    const restarted = openDaemonStore(join(home, 'daemon'));
    expect(restarted.session('s1')).toMatchObject({ vendorId: 'v1', resumable: true, pid: 42 });
    expect(restarted.isDelivered('s1', 'm1')).toBe(true);
    expect(restarted.isDelivered('s1', 'm2')).toBe(false);
    expect(restarted.attempt('a1')).toEqual({ ok: false, sessionId: 's1', code: 'vendor-not-found', detail: 'gone' });
    expect(restarted.outbox().map((q) => q.frame.type)).toEqual(['ack']);
    expect(statSync(join(home, 'daemon')).mode & 0o777).toBe(0o700);
    // The database and the journal files SQLite made beside it: only the owner may read them.
    const files = readdirSync(join(home, 'daemon'));
    expect(files).toContain('state.db');
    for (const f of files) expect(statSync(join(home, 'daemon', f)).mode & 0o777, f).toBe(0o600);
    laptop.close();
    restarted.close();
  });

  it('moves the JSON store of an earlier release into SQLite on first start, keeping every session, id, attempt and queued frame', () => {
    // A state.json exactly as the previous release wrote it (one file, rewritten per change).
    const dir = join(home, 'daemon');
    const sessions: Record<string, unknown> = {};
    for (let i = 0; i < 300; i++) {
      sessions[`s${i}`] = { sessionId: `s${i}`, provider: 'claude', backend: 'claude-stream', cwd: `/w/${i}`, title: `t${i}`, vendorId: `v${i}`, resumable: i % 2 === 0, pid: i === 7 ? 4242 : null, startRequestId: `r${i}` };
    }
    writeJsonFileAtomic(join(dir, 'state.json'), {
      version: 1,
      sessions,
      delivered: { s1: ['m1', 'm2', 'm3'], s7: ['m9'] },
      attempts: { a1: { ok: true, sessionId: 's1', vendorResumeId: 'v1' }, a2: { ok: false, sessionId: 's2', code: 'vendor-not-found', detail: 'gone' } },
      outbox: [
        { seq: 41, frame: { type: 'ack', sessionId: 's1', messageId: 'm3' } },
        { seq: 42, frame: { type: 'stopped', sessionId: 's7', reason: 'crashed', detail: null } },
      ],
      nextSeq: 43,
    });

    const store = openDaemonStore(dir);
    expect(store.sessions()).toHaveLength(300);
    expect(store.session('s7')).toEqual({ sessionId: 's7', provider: 'claude', backend: 'claude-stream', cwd: '/w/7', title: 't7', vendorId: 'v7', resumable: false, pid: 4242, startRequestId: 'r7' });
    expect(store.session('s2')).toMatchObject({ vendorId: 'v2', resumable: true });
    expect(store.recentDelivered('s1', 100)).toEqual(['m1', 'm2', 'm3']);
    expect(store.isDelivered('s7', 'm9')).toBe(true);
    expect(store.attempt('a1')).toEqual({ ok: true, sessionId: 's1', vendorResumeId: 'v1' });
    expect(store.attempt('a2')).toEqual({ ok: false, sessionId: 's2', code: 'vendor-not-found', detail: 'gone' });
    expect(store.outbox().map((q) => [q.seq, q.frame.type])).toEqual([[41, 'ack'], [42, 'stopped']]);
    // New frames queue after the imported ones.
    expect(store.enqueue({ type: 'heartbeat' }).seq).toBeGreaterThan(42);
    // The old file is kept under another name and never imported twice.
    expect(existsSync(join(dir, 'state.json'))).toBe(false);
    expect(existsSync(join(dir, 'state.json.imported'))).toBe(true);
    store.markDelivered('s1', 'm4');
    store.close();
    const again = openDaemonStore(dir);
    expect(again.recentDelivered('s1', 100)).toEqual(['m1', 'm2', 'm3', 'm4']);
    expect(again.outbox()).toHaveLength(3);
    again.close();
  });

  it('forgets an archived session: out of the list and its ids dropped, but its vendor id still on record', () => {
    const s = openDaemonStore(null);
    s.putSession({ sessionId: asSessionId('s1'), provider: 'claude', backend: 'claude-stream', cwd: '/w', title: 't', vendorId: asVendorId('v1'), resumable: true, pid: null, startRequestId: null });
    s.putSession({ sessionId: asSessionId('s2'), provider: 'claude', backend: 'claude-stream', cwd: '/w', title: 't', vendorId: asVendorId('v2'), resumable: true, pid: 99, startRequestId: null });
    s.markDelivered('s1', 'm1');
    s.putAttempt('a1', { ok: true, sessionId: asSessionId('s1'), vendorResumeId: asVendorId('v1') });
    expect(s.forget('s1')).toBe(true);
    expect(s.forget('s2')).toBe(false); // its agent runs: not forgotten
    expect(s.sessions().map((x) => x.sessionId)).toEqual(['s2']);
    expect(s.session('s1')?.vendorId).toBe('v1');
    expect(s.isDelivered('s1', 'm1')).toBe(false);
    expect(s.attempt('a1')).toBeNull();
    expect(s.vendorIds()).toEqual(new Set(['v1', 'v2']));
    // A resume or adopt stores it again: remembered.
    s.putSession({ ...s.session('s1')!, pid: 5 });
    expect(s.sessions().map((x) => x.sessionId)).toEqual(['s1', 's2']);
  });

  it('parks a frame: out of the outbox (the ones behind it flow), kept with its failures', () => {
    const s = openDaemonStore(null);
    const a = s.enqueue({ type: 'heartbeat' });
    const b = s.enqueue({ type: 'ack', sessionId: 's1' as never, messageId: 'm1' as never });
    expect(s.noteFailure(a.seq, 1_000, 'disk full')).toEqual({ failures: 1, firstFailedAt: 1_000 });
    expect(s.noteFailure(a.seq, 2_000, 'disk full')).toEqual({ failures: 2, firstFailedAt: 1_000 });
    s.park(a.seq, 3_000);
    expect(s.outbox().map((q) => q.seq)).toEqual([b.seq]);
    expect(s.parked()).toEqual([{ seq: a.seq, frame: { type: 'heartbeat' }, failures: 2, parkedAt: 3_000, lastError: 'disk full' }]);
    expect(s.noteFailure(a.seq, 4_000, 'x')).toBeNull();
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
