// Strict resume against the REAL Claude Code (opt-in: `npm run test:real-clis`). Offline: without a model every
// turn fails, so a loopback stub of the Messages API stands in where a turn must complete.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { asVendorId } from '../../src/core/index.ts';
import type { AgentHandle, BackendDriver } from '../../src/machine/providers/backend.ts';
import { createClaudeStreamDriver } from '../../src/machine/providers/claude-stream/index.ts';
import { projectSlug } from '../../src/machine/providers/claude-stream/transcripts.ts';
import { EventLog, turn } from '../machine/backend-contract.ts';
import { machineWith } from './lib/machine.ts';
import { anthropicStub, STUB_REPLY, type ModelStub } from './lib/model-stubs.ts';
import { realCli, sandbox, skipClaudeOnboarding, until, type Sandbox } from './lib/sandbox.ts';

const KEY = 'sk-ant-baton-stub-key-0000';
let claude: string;
let box: Sandbox;
let stub: ModelStub;
const handles: AgentHandle[] = [];
const children: ChildProcess[] = [];

beforeAll(() => {
  claude = realCli('claude');
});
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.stop()));
  // Gone before its home is removed: a claude still exiting writes into it, and removing it then fails (ENOTEMPTY).
  await Promise.all(children.splice(0).map((c) => {
    if (c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    return exited;
  }));
  await stub?.close();
  box?.cleanup();
});

/** A sandbox whose claude talks to a fresh stub (unless `offline`). */
async function world(o: { offline?: Record<string, string> } = {}): Promise<BackendDriver> {
  stub = await anthropicStub();
  box = sandbox(o.offline ?? { ANTHROPIC_BASE_URL: stub.url, ANTHROPIC_API_KEY: KEY });
  return createClaudeStreamDriver({ command: claude, env: box.env, timeoutMs: 60_000 });
}

async function started(driver: BackendDriver, cwd = box.cwd): Promise<AgentHandle> {
  const s = await driver.start({ cwd, title: 't' });
  if (!s.ok) throw new Error(`${s.code}: ${s.detail}`);
  handles.push(s.handle);
  return s.handle;
}

/** One answered turn (via the stub), then stopped: the state a strict resume starts from. */
async function persisted(driver: BackendDriver, cwd = box.cwd): Promise<string> {
  const h = await started(driver, cwd);
  const log = new EventLog(h);
  const events = await turn(h, log, 'first');
  expect(events).toContainEqual({ kind: 'text', text: STUB_REPLY });
  await log.next('persisted');
  await h.stop();
  return h.vendorId;
}

const transcripts = (cwd = box.cwd) => {
  const dir = join(box.env.CLAUDE_CONFIG_DIR!, 'projects', projectSlug(cwd));
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.jsonl')).sort() : [];
};
const STREAM = ['-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose'];

describe('real claude: dependencies', () => {
  it('is installed, new enough to resume in place; a missing binary is dependency-missing', async () => {
    const driver = await world();
    const cap = await driver.checkDependencies();
    expect(cap).toMatchObject({ installed: true, canResume: true, detail: null });
    expect(cap.version).toMatch(/^\d+\.\d+\.\d+ \(Claude Code\)$/);
    const missing = createClaudeStreamDriver({ command: join(box.root, 'no-claude'), env: box.env, timeoutMs: 10_000 });
    expect(await missing.checkDependencies()).toMatchObject({ installed: false, canResume: false });
    expect(await missing.start({ cwd: box.cwd, title: 't' })).toMatchObject({ ok: false, code: 'dependency-missing' });
  });
});

describe('real claude: first turns offline, typed', () => {
  it('not logged in: one auth-failed turn end, no agent text; the transcript exists, so the id is resumable', async () => {
    const driver = await world({ offline: {} });
    const h = await started(driver);
    const log = new EventLog(h);
    const events = await turn(h, log, 'hello offline');
    expect(events.filter((e) => e.kind === 'text' || e.kind === 'error')).toEqual([]);
    expect(events.at(-1)).toEqual({ kind: 'turn-end', failure: { code: 'auth-failed', detail: 'Not logged in · Please run /login' } });
    await log.next('persisted');
    expect(transcripts()).toEqual([`${h.vendorId}.jsonl`]);
  });

  it('an unreachable API: retry notices (attempt n of max), then vendor-gave-up', async () => {
    const driver = await world({ offline: { ANTHROPIC_BASE_URL: 'http://127.0.0.1:9', ANTHROPIC_API_KEY: KEY, CLAUDE_CODE_MAX_RETRIES: '2' } });
    const h = await started(driver);
    const log = new EventLog(h);
    const events = await turn(h, log, 'anyone there?');
    const retries = events.filter((e) => e.kind === 'retry');
    expect(retries.map((e) => [(e as { attempt: number }).attempt, (e as { maxAttempts: number }).maxAttempts])).toEqual([[1, 2], [2, 2]]);
    expect(events.at(-1)).toMatchObject({ kind: 'turn-end', failure: { code: 'vendor-gave-up', detail: expect.stringContaining('Unable to connect to API') } });
    await log.next('persisted');
  });
});

describe('real claude: strict resume', () => {
  it('resumes the same id (its own registry confirms it), and the next turn is answered in it', async () => {
    const driver = await world();
    const id = await persisted(driver);
    const r = await driver.resume({ vendorId: asVendorId(id), cwd: box.cwd });
    if (!r.ok) throw new Error(`${r.code}: ${r.detail}`);
    handles.push(r.handle);
    expect(r.handle.vendorId).toBe(id);
    const events = await turn(r.handle, new EventLog(r.handle), 'again');
    expect(events).toContainEqual({ kind: 'text', text: STUB_REPLY });
    expect(transcripts()).toEqual([`${id}.jsonl`]);
  });

  it('an id it never saved is vendor-not-found, and nothing is spawned', async () => {
    const driver = await world();
    const r = await driver.resume({ vendorId: asVendorId('0b7f6a5e-0000-4000-8000-000000000000'), cwd: box.cwd });
    expect(r).toMatchObject({ ok: false, code: 'vendor-not-found' });
  });

  it('a fork (the real CLI with --fork-session, what --resume did before 1.0.124) is vendor-id-mismatch before anything is written', async () => {
    const driver = await world();
    const id = await persisted(driver);
    const forking = join(box.root, 'claude-forking');
    writeFileSync(forking, `#!/bin/sh\nexec "${claude}" "$@" --fork-session\n`);
    chmodSync(forking, 0o755);
    const r = await createClaudeStreamDriver({ command: forking, env: box.env, timeoutMs: 60_000 }).resume({ vendorId: asVendorId(id), cwd: box.cwd });
    expect(r).toMatchObject({ ok: false, code: 'vendor-id-mismatch' });
    expect(transcripts()).toEqual([`${id}.jsonl`]);
    expect(readdirSync(join(box.env.CLAUDE_CONFIG_DIR!, 'sessions'))).toEqual([]);
  });

  it('a 260-character cwd (folder name cut at 200 with a hash) resumes', async () => {
    const driver = await world();
    const cwd = join(box.cwd, 'a'.repeat(100), 'b@c'.repeat(40));
    mkdirSync(cwd, { recursive: true });
    const id = await persisted(driver, cwd);
    expect(transcripts(cwd)).toEqual([`${id}.jsonl`]);
    const r = await driver.resume({ vendorId: asVendorId(id), cwd });
    if (!r.ok) throw new Error(`${r.code}: ${r.detail}`);
    handles.push(r.handle);
  });

  it('an interrupt ends the turn typed interrupted', async () => {
    const driver = await world();
    stub.mode = 'slow';
    const h = await started(driver);
    const log = new EventLog(h);
    await h.send('take your time');
    await h.interrupt();
    expect(await log.next('turn-end', 0, 30_000)).toEqual({ kind: 'turn-end', failure: { code: 'interrupted', detail: 'The turn was interrupted.' } });
  });
});

describe('real claude: a session open elsewhere', () => {
  it('a second real `claude -p --resume` holding it makes the resume session-in-use', async () => {
    const driver = await world();
    const id = await persisted(driver);
    const other = spawn(claude, [...STREAM, '--resume', id], { cwd: box.cwd, env: box.env, stdio: ['pipe', 'ignore', 'ignore'] });
    children.push(other);
    await until(() => driver.holders!(asVendorId(id)).some((h) => h.pid === other.pid), 'the other claude to register');
    const m = await machineWith(driver);
    try {
      await m.handle({ type: 'resume', attemptId: 'att-1' as never, sessionId: 's1' as never, vendorResumeId: asVendorId(id), backend: 'claude-stream', cwd: box.cwd });
      const r = await m.frame('resume-result');
      expect(r).toMatchObject({ ok: false, code: 'session-in-use' });
      if (!r.ok) expect(r.detail).toContain(`pid ${other.pid}`);
    } finally {
      await m.close();
    }
  });

  it('a plain `claude` in a terminal (no id in its argv) is seen by its registry entry', async () => {
    const driver = await world();
    if (spawnSync('script', ['--version']).error) throw new Error('this check needs script(1) (util-linux) for a pty');
    skipClaudeOnboarding(box, KEY);
    const tty = spawn('script', ['-qfc', claude, '/dev/null'], { cwd: box.cwd, env: { ...box.env, TERM: 'xterm' }, stdio: ['pipe', 'ignore', 'ignore'] });
    children.push(tty);
    const dir = join(box.env.CLAUDE_CONFIG_DIR!, 'sessions');
    const file = await until(() => (existsSync(dir) ? readdirSync(dir).find((n) => n.endsWith('.json')) : undefined), 'the terminal claude to register');
    const pid = Number(file.replace('.json', ''));
    const argv = spawnSync('cat', [`/proc/${pid}/cmdline`], { encoding: 'utf8' }).stdout.split('\0').filter(Boolean);
    const sessionId = JSON.parse(spawnSync('cat', [join(dir, file)], { encoding: 'utf8' }).stdout).sessionId as string;
    expect(argv.join(' ')).not.toContain(sessionId);
    expect(driver.holders!(asVendorId(sessionId))).toEqual([{ pid, detail: `claude in a terminal (cwd ${box.cwd})` }]);
    const m = await machineWith(driver);
    try {
      await m.handle({ type: 'resume', attemptId: 'att-1' as never, sessionId: 's1' as never, vendorResumeId: asVendorId(sessionId), backend: 'claude-stream', cwd: box.cwd });
      expect(await m.frame('resume-result')).toMatchObject({ ok: false, code: 'session-in-use' });
    } finally {
      await m.close();
    }
  });
});

describe('real claude: taking over a session made by the real CLI', () => {
  it('is listed with its first message, adopted, resumed with the same id, and answers', async () => {
    const driver = await world();
    // Not spawnSync: the model stub runs in this process and must keep answering.
    const made = await new Promise<string>((resolve, reject) => {
      const c = spawn(claude, ['-p', 'made in the terminal'], { cwd: box.cwd, env: box.env, stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      c.stdout!.on('data', (d) => (out += d));
      c.on('error', reject);
      c.on('close', () => resolve(out));
    });
    expect(made.trim()).toBe(STUB_REPLY);
    const direct = await driver.listDirect();
    expect(direct).toHaveLength(1);
    expect(direct[0]).toMatchObject({ cwd: box.cwd, title: 'made in the terminal' });
    const id = direct[0]!.vendorResumeId;
    const m = await machineWith(driver);
    try {
      await m.handle({ type: 'adopt', sessionId: 's1' as never, vendorResumeId: id, provider: 'claude', backend: 'claude-stream', cwd: box.cwd });
      await m.handle({ type: 'resume', attemptId: 'att-1' as never, sessionId: 's1' as never, vendorResumeId: id, backend: 'claude-stream', cwd: box.cwd });
      expect(await m.frame('resume-result')).toMatchObject({ ok: true, vendorResumeId: id });
      await m.handle({ type: 'deliver', sessionId: 's1' as never, messageId: 'msg-1' as never, text: 'from the phone' });
      await m.frame('ack');
      await m.frame('agent-event', (f) => f.event.kind === 'turn-end');
      expect(m.sent).toContainEqual(expect.objectContaining({ type: 'agent-event', event: { kind: 'text', text: STUB_REPLY } }));
      expect(transcripts()).toEqual([`${id}.jsonl`]);
    } finally {
      await m.close();
    }
  });
});
