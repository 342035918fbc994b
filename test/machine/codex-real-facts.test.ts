// The codex-app-server driver on what the real Codex 0.171 does (docs/vendor-protocols.md), played by the fake:
// the rollout from a turn's start, excludeTurns, the writer lock, a copied rollout, typed turn outcomes.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCodexAppServerDriver } from '../../src/machine/providers/codex-app-server/index.ts';
import { writerLockPath } from '../../src/machine/providers/codex-app-server/writer-lock.ts';
import type { AgentHandle } from '../../src/machine/providers/backend.ts';
import { eventually, type FakeEnv } from '../helpers/fake-env.ts';
import { EventLog, fakeFixture, turn, type BackendFixture } from './backend-contract.ts';

type Fx = BackendFixture & { fake: FakeEnv };
let fx: Fx | null = null;
const handles: AgentHandle[] = [];
const children: ChildProcess[] = [];

async function fixture(extraEnv: Record<string, string> = {}): Promise<Fx> {
  fx = await fakeFixture('codex', createCodexAppServerDriver, { extraEnv });
  return fx;
}
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.stop()));
  for (const c of children.splice(0)) c.kill('SIGKILL');
  if (fx) {
    await eventually(async () => (await fx!.livePids()).length === 0, 'no fake process left');
    await fx.cleanup();
  }
  fx = null;
});

async function started(f: Fx): Promise<AgentHandle> {
  const s = await f.driver.start({ cwd: f.cwd, title: 't' });
  if (!s.ok) throw new Error(`${s.code}: ${s.detail}`);
  handles.push(s.handle);
  return s.handle;
}

async function persisted(f: Fx): Promise<string> {
  const h = await started(f);
  const log = new EventLog(h);
  await turn(h, log, 'first');
  await log.next('persisted');
  await h.stop();
  return h.vendorId;
}

const rollouts = (f: Fx): string[] => {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(join(d, e.name)) : out.push(join(d, e.name));
  };
  walk(join(f.fake.env.CODEX_HOME!, 'sessions'));
  return out;
};

describe('Codex resume ids and resumes', () => {
  // Regression: the id became resumable only when a turn completed; offline a first turn never does.
  it('a first turn that never completes still leaves the thread resumable (the rollout exists from its start)', async () => {
    const f = await fixture({ BATON_FAKE_TURN_MS: '10000' });
    await f.setFaults(['slow-turn']);
    const h = await started(f);
    const log = new EventLog(h);
    await h.send('never finishes');
    await log.next('persisted');
    await h.stop();
    expect(log.kinds()).not.toContain('turn-end');
    await f.setFaults([]);
    const r = await f.driver.resume({ vendorId: h.vendorId, cwd: f.cwd });
    if (!r.ok) throw new Error(`${r.code}: ${r.detail}`);
    handles.push(r.handle);
  });

  it('thread/resume asks for no turns (excludeTurns: full hydration is deprecated and unused)', async () => {
    const f = await fixture();
    const id = await persisted(f);
    const r = await f.driver.resume({ vendorId: id as never, cwd: f.cwd });
    if (!r.ok) throw new Error(`${r.code}: ${r.detail}`);
    handles.push(r.handle);
    const resumed = (await f.record()).filter((l) => l.event === 'resumed');
    expect(resumed).toHaveLength(1);
    expect(resumed[0]).not.toHaveProperty('hydrated');
  });

  it('a rollout copied under another id ("thread source changed during resume") is vendor-id-mismatch', async () => {
    const f = await fixture();
    const id = await persisted(f);
    const [file] = rollouts(f);
    const copyId = '01a23123-e909-7c05-ad68-5f84c406e2e9';
    copyFileSync(file!, file!.replace(id, copyId));
    const r = await f.driver.resume({ vendorId: copyId as never, cwd: f.cwd });
    expect(r).toMatchObject({ ok: false, code: 'vendor-id-mismatch' });
    if (!r.ok) expect(r.detail).toContain('thread source changed during resume');
  });

  it('a thread another process writes is session-in-use ("already has an active writer"), and nothing is resumed', async () => {
    const f = await fixture();
    const id = await persisted(f);
    const other = await f.driver.resume({ vendorId: id as never, cwd: f.cwd });
    if (!other.ok) throw new Error(`${other.code}: ${other.detail}`);
    handles.push(other.handle);
    const r = await f.driver.resume({ vendorId: id as never, cwd: f.cwd });
    expect(r).toMatchObject({ ok: false, code: 'session-in-use' });
    if (!r.ok) expect(r.detail).toContain('already has an active writer');
  });

  it('the writer lock Codex flocks is seen as a holder, with the holder\'s pid', async () => {
    const f = await fixture();
    const id = '01a23124-0c79-7a21-817d-8c18793f4216';
    const lock = writerLockPath(f.fake.env, id);
    mkdirSync(join(lock, '..'), { recursive: true });
    writeFileSync(lock, '');
    expect(f.driver.holders!(id as never)).toEqual([]); // a lock file alone (left by a killed codex) holds nothing
    const holder = spawn('flock', [lock, 'sleep', '30'], { stdio: 'ignore' });
    children.push(holder);
    const held = await eventually(() => { const h = f.driver.holders!(id as never); return h.length > 0 ? h : null; }, 'the flock to show');
    expect(held.map((h) => h.pid)).toEqual([holder.pid]);
  });
});

describe('Codex turn outcomes, typed', () => {
  it('retries are retry notices ("Reconnecting... n/5"); then an answer, or vendor-gave-up shown once', async () => {
    const f = await fixture();
    await f.setFaults(['api-retry']);
    const h = await started(f);
    const log = new EventLog(h);
    const ok = await turn(h, log, 'flaky');
    expect(ok.filter((e) => e.kind === 'retry')).toEqual([
      { kind: 'retry', attempt: 1, maxAttempts: 5, detail: 'stream disconnected before completion: failed to lookup address information: Name does not resolve', retryInMs: null },
      { kind: 'retry', attempt: 2, maxAttempts: 5, detail: 'stream disconnected before completion: failed to lookup address information: Name does not resolve', retryInMs: null },
    ]);
    expect(ok.at(-1)).toEqual({ kind: 'turn-end' });
    await f.setFaults(['vendor-gave-up']);
    const gaveUp = await turn(h, log, 'offline');
    expect(gaveUp.filter((e) => e.kind === 'retry')).toHaveLength(5);
    expect(gaveUp.filter((e) => e.kind === 'error' || e.kind === 'text')).toEqual([]);
    expect(gaveUp.at(-1)).toEqual({ kind: 'turn-end', failure: { code: 'vendor-gave-up', detail: 'We’re currently experiencing high demand, which may cause temporary errors.' } });
  });

  it('a rejected key ends the turn auth-failed', async () => {
    const f = await fixture();
    await f.setFaults(['auth-failed']);
    const h = await started(f);
    const log = new EventLog(h);
    const events = await turn(h, log, 'hello');
    expect(events.at(-1)).toMatchObject({ kind: 'turn-end', failure: { code: 'auth-failed' } });
    expect(events.filter((e) => e.kind === 'error')).toEqual([]);
  });

  it('an interrupted turn (turn.status "interrupted") ends typed interrupted', async () => {
    const f = await fixture({ BATON_FAKE_TURN_MS: '10000' });
    await f.setFaults(['slow-turn']);
    const h = await started(f);
    const log = new EventLog(h);
    await h.send('long one');
    await h.interrupt();
    expect(await log.next('turn-end')).toEqual({ kind: 'turn-end', failure: { code: 'interrupted', detail: 'The turn was interrupted.' } });
  });

  it('direct sessions are titled by the user\'s first message in the real rollout shape, not the harness\'s context', async () => {
    const f = await fixture();
    const id = await persisted(f);
    const direct = await f.driver.listDirect();
    expect(direct.find((d) => d.vendorResumeId === id)?.title).toBe('first');
  });
});
