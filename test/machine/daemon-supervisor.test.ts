// The session supervisor against the in-memory vendor: strict resume, dedupe across restarts, event forwarding.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Backend, MachineCapabilities, MachineDown, MachineUp } from '../../src/core/index.ts';
import { openDaemonStore } from '../../src/machine/daemon-store.ts';
import { silentLogger } from '../../src/machine/logger.ts';
import { createMemoryDriver, createMemoryVendor, type MemoryVendor } from '../../src/machine/providers/memory-driver.ts';
import type { BackendDriver } from '../../src/machine/providers/backend.ts';
import { createSessionSupervisor, type SessionSupervisor } from '../../src/machine/session-supervisor.ts';

let home: string;
let vendor: MemoryVendor;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'baton-sup-'));
  vendor = createMemoryVendor();
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

/** One laptop daemon "life": a supervisor over the store in `home`, collecting what it sends up. */
function laptop(caps: MachineCapabilities = { 'claude-stream': { installed: true, version: '1', canResume: true, detail: null } }) {
  const sent: MachineUp[] = [];
  const logs: string[] = [];
  const log = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m), error: (m: string) => logs.push(m) };
  const drivers = new Map<Backend, BackendDriver>([
    ['claude-stream', createMemoryDriver('claude-stream', vendor)],
    ['codex-mcp', createMemoryDriver('codex-mcp', vendor)],
  ]);
  const store = openDaemonStore(join(home, 'daemon'));
  const sup: SessionSupervisor = createSessionSupervisor({ store, drivers, send: (f) => sent.push(f), capabilities: () => caps, log });
  const until = async (pred: (f: MachineUp) => boolean) => {
    for (let i = 0; i < 200; i++) {
      const hit = sent.find(pred);
      if (hit) return hit;
      await new Promise((r) => setImmediate(r));
    }
    throw new Error(`no frame matched; sent: ${JSON.stringify(sent)}`);
  };
  return { sent, sup, store, until, logs };
}

const start = (sessionId = 's1'): MachineDown => ({ type: 'start', requestId: `r-${sessionId}`, sessionId: sessionId as never, provider: 'claude', backend: 'claude-stream', cwd: '/work', title: 't' });
const deliver = (messageId: string, text = 'hi', sessionId = 's1'): MachineDown => ({ type: 'deliver', sessionId: sessionId as never, messageId: messageId as never, text });
const resume = (attemptId: string, vendorResumeId: string, sessionId = 's1'): MachineDown => ({ type: 'resume', attemptId: attemptId as never, sessionId: sessionId as never, vendorResumeId: vendorResumeId as never, backend: 'claude-stream', cwd: '/work' });

async function startedSession(l: ReturnType<typeof laptop>) {
  await l.sup.handle(start());
  const started = l.sent.find((f) => f.type === 'started') as Extract<MachineUp, { type: 'started' }>;
  await l.sup.handle(deliver('m1', 'first'));
  await l.until((f) => f.type === 'agent-event' && f.event.kind === 'turn-end');
  return started.vendorId;
}

describe('session supervisor', () => {
  it('starts, forwards the turn as agent events with unique ids, and reports resumable once persisted', async () => {
    const l = laptop();
    const vendorId = await startedSession(l);
    const kinds = l.sent.map((f) => (f.type === 'agent-event' ? `event:${f.event.kind}` : f.type));
    // Regression: the agent answers before the write resolves; the ack must still come first.
    expect(kinds).toEqual(['started', 'ack', 'event:tool-call', 'event:tool-call', 'event:text', 'resumable', 'event:turn-end']);
    const ids = l.sent.flatMap((f) => (f.type === 'agent-event' ? [f.eventId] : []));
    expect(new Set(ids).size).toBe(ids.length);
    expect(l.sent).toContainEqual({ type: 'resumable', sessionId: 's1', vendorResumeId: vendorId });
    expect(l.sup.reports()).toEqual([{ sessionId: 's1', vendorResumeId: vendorId, running: true }]);
  });

  it('writes a message to the agent once even when deliver repeats, and re-acks it', async () => {
    const l = laptop();
    const vendorId = await startedSession(l);
    await l.sup.handle(deliver('m1', 'first'));
    expect(vendor.received.get(vendorId)).toEqual(['first']);
    expect(l.sent.filter((f) => f.type === 'ack')).toHaveLength(2);
  });

  it('after a daemon restart: the session is inactive but resumable, resumes with the same id, and a repeated deliver is not re-written', async () => {
    const before = laptop();
    const vendorId = await startedSession(before);
    await before.sup.stop();
    // The daemon ended with its agent's process on record (the memory agent has none: give it one no process can have).
    before.store.patchSession('s1', { pid: 2 ** 22 + 1 });

    const after = laptop();
    // The restarted daemon still knows what it wrote to the interrupted session: a server that never got the ack learns it from hello.
    expect(after.sup.reports()).toEqual([{ sessionId: 's1', vendorResumeId: vendorId, running: false, delivered: ['m1'] }]);
    await after.sup.handle(resume('a1', vendorId));
    expect(after.sent).toContainEqual({ type: 'resume-result', attemptId: 'a1', sessionId: 's1', ok: true, vendorResumeId: vendorId });
    await after.sup.handle(deliver('m1', 'first'));
    expect(after.sent).toContainEqual({ type: 'ack', sessionId: 's1', messageId: 'm1' });
    expect(vendor.received.get(vendorId)).toEqual(['first']);
    expect(vendor.record.filter((r) => r.event === 'created')).toHaveLength(1);
  });

  it('never resumes one attempt twice: a repeat re-reports the stored result, also after a restart', async () => {
    const first = laptop();
    const vendorId = await startedSession(first);
    await first.sup.stop();
    const second = laptop();
    await second.sup.handle(resume('a1', vendorId));
    await second.sup.stop();
    const third = laptop();
    await third.sup.handle(resume('a1', vendorId));
    expect(third.sent).toEqual([{ type: 'resume-result', attemptId: 'a1', sessionId: 's1', ok: true, vendorResumeId: vendorId }]);
    expect(vendor.record.filter((r) => r.event === 'resumed')).toHaveLength(1);
    expect(third.sup.reports()[0]?.running).toBe(false);
  });

  it.each([
    ['unknown-id', 'vendor-not-found'],
    ['other-id', 'vendor-id-mismatch'],
    ['crash-on-resume', 'vendor-error'],
    ['hang', 'timeout'],
  ] as const)('a resume with fault %s fails as %s, never starts a session, and leaves it inactive', async (fault, code) => {
    const before = laptop();
    const vendorId = await startedSession(before);
    await before.sup.stop();
    vendor.faults.add(fault);
    const l = laptop();
    await l.sup.handle(resume('a1', vendorId));
    expect(l.sent).toEqual([expect.objectContaining({ type: 'resume-result', ok: false, code })]);
    expect(vendor.record.filter((r) => r.event === 'created')).toHaveLength(1);
    expect(l.sup.reports()[0]?.running).toBe(false);
  });

  // Regression: only `adopt` checked the daemon's own record; a resume of another id would have reopened another conversation.
  it('refuses a resume whose vendor id is not the one this daemon has for the session, without asking the driver', async () => {
    const before = laptop();
    const vendorId = await startedSession(before);
    await before.sup.stop();
    const other = await (async () => {
      const l = laptop();
      await l.sup.handle(start('s2'));
      return (l.sent.find((f) => f.type === 'started') as Extract<MachineUp, { type: 'started' }>).vendorId;
    })();
    const l = laptop();
    await l.sup.handle(resume('a1', other));
    expect(l.sent).toEqual([expect.objectContaining({ type: 'resume-result', ok: false, code: 'vendor-id-mismatch' })]);
    expect(vendor.record.filter((r) => r.event === 'resumed')).toEqual([]);
    expect(l.store.session('s1')?.vendorId).toBe(vendorId);
  });

  it('refuses a resume of a session another process holds by the vendor\'s own record (driver holders), naming it', async () => {
    const before = laptop();
    const vendorId = await startedSession(before);
    await before.sup.stop();
    const sent: MachineUp[] = [];
    const driver = { ...createMemoryDriver('claude-stream', vendor), holders: () => [{ pid: 4242, detail: 'claude in a terminal (cwd /work)' }] };
    const sup = createSessionSupervisor({
      store: openDaemonStore(join(home, 'daemon')), drivers: new Map<Backend, BackendDriver>([['claude-stream', driver]]), send: (f) => sent.push(f),
      capabilities: () => ({ 'claude-stream': { installed: true, version: '1', canResume: true, detail: null } }), log: silentLogger,
    });
    await sup.handle(resume('a1', vendorId));
    expect(sent).toEqual([expect.objectContaining({ type: 'resume-result', ok: false, code: 'session-in-use', detail: expect.stringContaining('pid 4242: claude in a terminal (cwd /work)') })]);
    expect(vendor.record.filter((r) => r.event === 'resumed')).toEqual([]);
  });

  it('reports dependency-missing for a resume when the CLI is not installed, without asking the driver', async () => {
    const l = laptop({ 'claude-stream': { installed: false, version: null, canResume: false, detail: 'claude is not installed' } });
    await l.sup.handle(resume('a1', 'v-gone'));
    expect(l.sent).toEqual([expect.objectContaining({ type: 'resume-result', ok: false, code: 'dependency-missing', detail: 'claude is not installed' })]);
    expect(vendor.record).toEqual([]);
  });

  it('relays a permission request and the phone’s answer, allow then deny, and logs which device answered', async () => {
    vendor.faults.add('permission');
    const l = laptop();
    await l.sup.handle(start());
    for (const [i, decision] of (['allow', 'deny'] as const).entries()) {
      await l.sup.handle(deliver(`m${i}`, `q${i}`));
      const isRequest = (f: MachineUp) => f.type === 'agent-event' && f.event.kind === 'permission-request';
      await l.until(() => l.sent.filter(isRequest).length === i + 1);
      const req = l.sent.filter(isRequest)[i] as Extract<MachineUp, { type: 'agent-event' }>;
      const permissionId = req.event.kind === 'permission-request' ? req.event.permissionId : '';
      const answeredBy = { deviceId: `dev_${i}`, name: i === 0 ? 'Pixel' : 'laptop terminal' };
      await l.sup.handle({ type: 'permission-answer', sessionId: 's1' as never, permissionId: permissionId as never, decision, answeredBy });
      const want = `${decision === 'allow' ? 'allowed' : 'denied'}: echo: q${i}`;
      await l.until((f) => f.type === 'agent-event' && f.event.kind === 'text' && f.event.text === want);
      expect(l.logs).toContain(`session s1: permission ${permissionId} ${decision === 'allow' ? 'allowed' : 'denied'} by “${answeredBy.name}” (dev_${i})`);
    }
  });

  it('reports stopped: requested on stop, crashed when the agent dies mid-turn', async () => {
    const l = laptop();
    await l.sup.handle(start());
    await l.sup.handle({ type: 'stop', sessionId: 's1' as never });
    expect(l.sent.at(-1)).toEqual({ type: 'stopped', sessionId: 's1', reason: 'requested', detail: null });

    vendor.faults.add('crash-on-turn');
    await l.sup.handle(start('s2'));
    await l.sup.handle(deliver('m9', 'boom', 's2'));
    await l.until((f) => f.type === 'stopped' && f.sessionId === 's2');
    expect(l.sent.at(-1)).toMatchObject({ type: 'stopped', sessionId: 's2', reason: 'crashed' });
  });

  it('refuses a resume under a vendor id that is not its own record of the session, naming both, and starts nothing', async () => {
    const before = laptop();
    const vendorId = await startedSession(before);
    await before.sup.stop();
    // The vendor has another persisted session the server (wrongly) asks for under this Baton session.
    vendor.persisted.add('mem-other-session');
    const l = laptop();
    await l.sup.handle(resume('a1', 'mem-other-session'));
    expect(l.sent).toEqual([expect.objectContaining({ type: 'resume-result', attemptId: 'a1', ok: false, code: 'vendor-id-mismatch' })]);
    const detail = (l.sent[0] as { detail: string }).detail;
    expect(detail).toContain(vendorId);
    expect(detail).toContain('mem-other-session');
    expect(vendor.record.filter((r) => r.event === 'resumed')).toEqual([]);
    expect(l.store.session('s1')?.vendorId).toBe(vendorId);
  });

  it.each(['start', 'resume'] as const)('a driver whose %s throws at once is answered with a typed failure, never left pending', async (op) => {
    const sent: MachineUp[] = [];
    const broken: BackendDriver = {
      ...createMemoryDriver('claude-stream', vendor),
      // Not async: the throw happens before any promise exists (as spawn() refusing its arguments does).
      start: () => { throw new TypeError('spawn refused its arguments'); },
      resume: () => { throw new TypeError('spawn refused its arguments'); },
    };
    const sup = createSessionSupervisor({
      store: openDaemonStore(null), drivers: new Map([['claude-stream', broken]]), send: (f) => sent.push(f), log: silentLogger,
      capabilities: () => ({ 'claude-stream': { installed: true, version: '1', canResume: true, detail: null } }),
    });
    await sup.handle(op === 'start' ? start() : resume('a1', 'v1'));
    expect(sent).toEqual([expect.objectContaining(op === 'start'
      ? { type: 'start-failed', requestId: 'r-s1', code: 'vendor-error', detail: expect.stringContaining('spawn refused') }
      : { type: 'resume-result', attemptId: 'a1', ok: false, code: 'vendor-error', detail: expect.stringContaining('spawn refused') })]);
  });

  it('forgets an archived session when told (not while its agent runs): out of its reports, its vendor id still checked', async () => {
    const l = laptop();
    const vendorId = await startedSession(l);
    await l.sup.handle({ type: 'forget', sessionId: 's1' as never });
    expect(l.sup.reports().map((r) => r.sessionId)).toEqual(['s1']); // running: kept
    await l.sup.handle({ type: 'stop', sessionId: 's1' as never });
    await l.sup.handle({ type: 'forget', sessionId: 's1' as never });
    expect(l.sup.reports()).toEqual([]);
    expect(l.store.isDelivered('s1', 'm1')).toBe(false);
    // Unarchived and resumed later: another vendor id is still refused, its own reopens and is remembered again.
    await l.sup.handle(resume('a1', 'mem-someone-else'));
    expect(l.sent.at(-1)).toMatchObject({ type: 'resume-result', attemptId: 'a1', ok: false, code: 'vendor-id-mismatch' });
    await l.sup.handle(resume('a2', vendorId));
    expect(l.sent.at(-1)).toMatchObject({ type: 'resume-result', attemptId: 'a2', ok: true });
    expect(l.sup.reports()).toEqual([{ sessionId: 's1', vendorResumeId: vendorId, running: true }]);
  });

  it('a start repeated after a reconnect re-reports the same vendor id and starts nothing new', async () => {
    const l = laptop();
    await l.sup.handle(start());
    await l.sup.handle(start());
    const started = l.sent.filter((f) => f.type === 'started');
    expect(started).toHaveLength(2);
    expect(started[0]).toEqual(started[1]);
    expect(vendor.record.filter((r) => r.event === 'created')).toHaveLength(1);
  });
});

// Seen with the real Gemini CLI 0.61: a mode change while it ran that Gemini refused (yolo in an untrusted folder) was
// only logged by the daemon; the phone showed the new mode while the agent kept the old one.
describe('a mode change the agent refuses while it runs', () => {
  it('is said on the transcript, with the agent’s reason', async () => {
    const sent: MachineUp[] = [];
    const memory = createMemoryDriver('claude-stream', vendor);
    const refusing: BackendDriver = {
      ...memory,
      async start(req) {
        const r = await memory.start(req);
        if (!r.ok) return r;
        return { ok: true, handle: Object.assign(Object.create(r.handle) as typeof r.handle, { setPermissionMode: () => Promise.reject(new Error('Cannot enable privileged approval modes in an untrusted folder.')) }) };
      },
    };
    const store = openDaemonStore(join(home, 'daemon'));
    const sup = createSessionSupervisor({
      store, drivers: new Map<Backend, BackendDriver>([['claude-stream', refusing]]), send: (f) => sent.push(f),
      capabilities: () => ({ 'claude-stream': { installed: true, version: '1', canResume: true, detail: null } }), log: silentLogger,
    });
    await sup.handle(start());
    await sup.handle({ type: 'set-permission-mode', sessionId: 's1' as never, mode: 'yolo' });
    const notice = sent.find((f) => f.type === 'agent-event' && f.event.kind === 'error');
    expect(notice, JSON.stringify(sent)).toBeDefined();
    const text = (notice as Extract<MachineUp, { type: 'agent-event' }>).event as { text: string };
    expect(text.text).toContain('yolo');
    expect(text.text).toContain('Cannot enable privileged approval modes in an untrusted folder.');
    await sup.stop();
  });
});
