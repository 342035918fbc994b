// The claude-stream driver on what the real Claude Code 2.1.197 does (docs/vendor-protocols.md), played by the fake:
// the project-folder rule, the live-session registry, resume confirmation, typed turn outcomes.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createClaudeStreamDriver } from '../../src/machine/providers/claude-stream/index.ts';
import { projectSlug, transcriptPath } from '../../src/machine/providers/claude-stream/transcripts.ts';
import type { AgentHandle } from '../../src/machine/providers/backend.ts';
import { eventually } from '../helpers/fake-env.ts';
import { EventLog, fakeFixture, turn, type BackendFixture } from './backend-contract.ts';
import type { FakeEnv } from '../helpers/fake-env.ts';

type Fx = BackendFixture & { fake: FakeEnv };
let fx: Fx | null = null;
const handles: AgentHandle[] = [];
const children: ChildProcess[] = [];

async function fixture(extraEnv: Record<string, string> = {}): Promise<Fx> {
  fx = await fakeFixture('claude', createClaudeStreamDriver, { extraEnv });
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

async function started(f: Fx, cwd = f.cwd): Promise<AgentHandle> {
  const s = await f.driver.start({ cwd, title: 't' });
  if (!s.ok) throw new Error(`${s.code}: ${s.detail}`);
  handles.push(s.handle);
  return s.handle;
}

/** A session with one answered turn, stopped: what a resume starts from. */
async function persisted(f: Fx, cwd = f.cwd): Promise<string> {
  const h = await started(f, cwd);
  const log = new EventLog(h);
  await turn(h, log, 'first');
  await log.next('persisted');
  await h.stop();
  return h.vendorId;
}

describe('Claude project folders', () => {
  it('follow the real CLI: every non-alphanumeric becomes "-", a long cwd is cut at 200 with a hash suffix', () => {
    expect(projectSlug('/home/dev/my@proj+1 #x')).toBe('-home-dev-my-proj-1--x');
    expect(projectSlug('/srv/my_proj.v2 x')).toBe('-srv-my-proj-v2-x');
    // Seen with the real 2.1.197 for this 383-character cwd.
    const long = `/tmp/h1/s7/${Array.from({ length: 24 }, (_, i) => `segment${String(i + 1).padStart(2, '0')}-abcd/`).join('')}my@proj+1 #x`;
    const slug = projectSlug(long);
    expect(slug).toHaveLength(206);
    expect(slug.endsWith('segment12-abcd-segment13-lb9b4')).toBe(true);
  });

  // Regression: the old rule kept `@ + #`, so such a session was never found again (false vendor-not-found).
  it('a session in a cwd with "@ + #" and one in a 260-character cwd both resume', async () => {
    const f = await fixture();
    for (const cwd of [join(f.cwd, 'my@proj+1 #x'), join(f.cwd, 'deep'.repeat(10), 'x'.repeat(120), 'y'.repeat(90))]) {
      mkdirSync(cwd, { recursive: true });
      const id = await persisted(f, cwd);
      expect(existsSync(transcriptPath(f.fake.env, cwd, id))).toBe(true);
      const r = await f.driver.resume({ vendorId: id as never, cwd });
      if (!r.ok) throw new Error(`${r.code}: ${r.detail}`);
      handles.push(r.handle);
      expect(r.handle.vendorId).toBe(id);
    }
  });

  it('a symlinked cwd shares its target\'s transcripts, as Claude names folders after the real path', async () => {
    const f = await fixture();
    const id = await persisted(f);
    const link = join(f.fake.root, 'link');
    symlinkSync(f.cwd, link);
    const r = await f.driver.resume({ vendorId: id as never, cwd: link });
    if (!r.ok) throw new Error(`${r.code}: ${r.detail}`);
    handles.push(r.handle);
  });
});

describe('Claude resume is confirmed by the session id Claude registers for itself', () => {
  it('a fork (other-id) is refused before anything is written: vendor-id-mismatch, process gone, no fork transcript', async () => {
    const f = await fixture();
    const id = await persisted(f);
    await f.setFaults(['other-id']);
    const r = await f.driver.resume({ vendorId: id as never, cwd: f.cwd });
    expect(r).toMatchObject({ ok: false, code: 'vendor-id-mismatch' });
    if (!r.ok) expect(r.detail).toMatch(/instead of/);
    expect(readdirSync(join(f.fake.env.CLAUDE_CONFIG_DIR!, 'projects', projectSlug(f.cwd))).filter((n) => n.endsWith('.jsonl'))).toEqual([`${id}.jsonl`]);
    expect(await f.livePids()).toEqual([]);
  });

  it('a registry entry that names the resumed id only after initialize still confirms the resume', async () => {
    const f = await fixture();
    const id = await persisted(f);
    await f.setFaults(['registry-lag']);
    const r = await f.driver.resume({ vendorId: id as never, cwd: f.cwd });
    if (!r.ok) throw new Error(`${r.code}: ${r.detail}`);
    handles.push(r.handle);
  });

  it('a Claude that names another id only at its first turn: the send fails, the turn never completes, the fork transcript is quarantined', async () => {
    const f = await fixture();
    const id = await persisted(f);
    await f.setFaults(['init-other-id']);
    const r = await f.driver.resume({ vendorId: id as never, cwd: f.cwd });
    if (!r.ok) throw new Error(`${r.code}: ${r.detail}`);
    handles.push(r.handle);
    const log = new EventLog(r.handle);
    await expect(r.handle.send('would fork')).rejects.toMatchObject({ code: 'vendor-id-mismatch' });
    await log.next('exit');
    expect(log.kinds()).not.toContain('turn-end');
    const fork = (await f.record()).find((l) => l.event === 'resumed' && l.requested === id)!.vendorId;
    const quarantine = join(f.fake.env.CLAUDE_CONFIG_DIR!, 'baton-quarantine');
    await eventually(() => existsSync(join(quarantine, `${fork}.jsonl`)), 'the fork transcript to be quarantined');
    expect(existsSync(transcriptPath(f.fake.env, f.cwd, fork))).toBe(false);
    expect((await f.driver.listDirect()).map((d) => d.vendorResumeId)).toEqual([id]);
  });

  it('a Claude older than 1.0.124 (which forks on --resume) cannot resume here, and says which version is needed', async () => {
    const f = await fixture({ BATON_FAKE_CLAUDE_VERSION: '1.0.123' });
    const cap = await f.driver.checkDependencies();
    expect(cap).toMatchObject({ installed: true, canResume: false });
    expect(cap.detail).toContain('1.0.124');
    // And were it asked anyway, the fork it makes is caught.
    const id = await persisted(f);
    expect(await f.driver.resume({ vendorId: id as never, cwd: f.cwd })).toMatchObject({ ok: false, code: 'vendor-id-mismatch' });
  });
});

describe('Claude sessions open elsewhere', () => {
  it('a plain `claude` in a terminal (no id in its argv) is seen through its registry entry', async () => {
    const f = await fixture();
    const id = await persisted(f);
    const terminal = spawn('claude', [], { cwd: f.cwd, env: f.fake.env, stdio: ['pipe', 'ignore', 'ignore'] });
    children.push(terminal);
    terminal.stdin!.write(`/resume ${id}\n`);
    const held = await eventually(() => { const h = f.driver.holders!(id as never); return h.length > 0 ? h : null; }, 'the terminal to register');
    expect(held).toEqual([{ pid: terminal.pid, detail: `claude in a terminal (cwd ${f.cwd})` }]);
    terminal.stdin!.end();
    await eventually(() => f.driver.holders!(id as never).length === 0, 'the terminal to unregister');
  });

  it('a registry entry left by a killed claude, or one whose pid was reused, holds nothing', async () => {
    const f = await fixture();
    const dir = join(f.fake.env.CLAUDE_CONFIG_DIR!, 'sessions');
    mkdirSync(dir, { recursive: true });
    const id = '5f1c2f6e-0000-4000-8000-0000000000aa';
    writeFileSync(join(dir, '4194301.json'), JSON.stringify({ pid: 4194301, sessionId: id, cwd: f.cwd, kind: 'interactive', entrypoint: 'cli' }));
    // Our own test runner's pid, but registered by a process that started at another time.
    writeFileSync(join(dir, `${process.ppid}.json`), JSON.stringify({ pid: process.ppid, sessionId: id, cwd: f.cwd, procStart: '1', kind: 'interactive', entrypoint: 'cli' }));
    expect(f.driver.holders!(id as never)).toEqual([]);
  });
});

describe('Claude turn outcomes, typed', () => {
  it('not logged in: one typed auth-failed turn end, no agent text, no extra notice; the session is still resumable', async () => {
    const f = await fixture();
    await f.setFaults(['auth-failed']);
    const h = await started(f);
    const log = new EventLog(h);
    const events = await turn(h, log, 'hello');
    expect(events.filter((e) => e.kind === 'text' || e.kind === 'error')).toEqual([]);
    expect(events.at(-1)).toEqual({ kind: 'turn-end', failure: { code: 'auth-failed', detail: 'Not logged in · Please run /login' } });
    await log.next('persisted');
  });

  it('retries show as retry notices; a vendor that gives up ends the turn vendor-gave-up', async () => {
    const f = await fixture();
    await f.setFaults(['api-retry']);
    const h = await started(f);
    const log = new EventLog(h);
    const ok = await turn(h, log, 'flaky');
    expect(ok.filter((e) => e.kind === 'retry')).toEqual([
      { kind: 'retry', attempt: 1, maxAttempts: 10, detail: 'cannot reach the API', retryInMs: 21 },
      { kind: 'retry', attempt: 2, maxAttempts: 10, detail: 'cannot reach the API', retryInMs: 41 },
    ]);
    expect(ok.at(-1)).toEqual({ kind: 'turn-end' });
    await f.setFaults(['vendor-gave-up']);
    const gaveUp = await turn(h, log, 'offline');
    expect(gaveUp.filter((e) => e.kind === 'retry').map((e) => (e as { maxAttempts: number }).maxAttempts)).toEqual([2, 2]);
    expect(gaveUp.filter((e) => e.kind === 'text' || e.kind === 'error')).toEqual([]);
    expect(gaveUp.at(-1)).toEqual({ kind: 'turn-end', failure: { code: 'vendor-gave-up', detail: 'API Error: Unable to connect to API (ConnectionRefused)' } });
  });

  it('an interrupt ends the turn as interrupted, never with the CLI\'s [ede_diagnostic] line', async () => {
    const f = await fixture({ BATON_FAKE_TURN_MS: '10000' });
    await f.setFaults(['slow-turn']);
    const h = await started(f);
    const log = new EventLog(h);
    await h.send('long one');
    await h.interrupt();
    const end = await log.next('turn-end');
    expect(end).toEqual({ kind: 'turn-end', failure: { code: 'interrupted', detail: 'The turn was interrupted.' } });
    expect(JSON.stringify(log.events)).not.toContain('ede_diagnostic');
  });

  // Regression: the resume id was captured only when a turn ended, so a first turn that never ended left none.
  it('a first turn that never ends still makes the session resumable (Claude writes the transcript at its start)', async () => {
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
});
