// Strict resume against the REAL Codex (opt-in: `npm run test:real-clis`). Offline: the default provider retries
// without end; a loopback Responses API stub (a `model_providers` entry in config.toml) completes a turn.
import { spawn } from 'node:child_process';
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { asVendorId } from '../../src/core/index.ts';
import type { AgentHandle, BackendDriver } from '../../src/machine/providers/backend.ts';
import { createCodexAppServerDriver } from '../../src/machine/providers/codex-app-server/index.ts';
import { CODEX_MCP_SERVER_MISSING, createCodexMcpDriver } from '../../src/machine/providers/codex-mcp/index.ts';
import { EventLog, turn } from '../machine/backend-contract.ts';
import { machineWith } from './lib/machine.ts';
import { responsesStub, STUB_REPLY, type ModelStub } from './lib/model-stubs.ts';
import { codexUsesStub, realCli, sandbox, type Sandbox } from './lib/sandbox.ts';

let codex: string;
let box: Sandbox;
let stub: ModelStub;
const handles: AgentHandle[] = [];

beforeAll(() => {
  codex = realCli('codex');
});
afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.stop()));
  await stub?.close();
  box?.cleanup();
});

async function world(o: { offline?: boolean } = {}): Promise<BackendDriver> {
  stub = await responsesStub();
  box = sandbox();
  if (!o.offline) codexUsesStub(box, stub.url);
  return createCodexAppServerDriver({ command: codex, env: box.env, timeoutMs: 60_000 });
}

async function started(driver: BackendDriver): Promise<AgentHandle> {
  const s = await driver.start({ cwd: box.cwd, title: 't' });
  if (!s.ok) throw new Error(`${s.code}: ${s.detail}`);
  handles.push(s.handle);
  return s.handle;
}

async function persisted(driver: BackendDriver): Promise<string> {
  const h = await started(driver);
  const log = new EventLog(h);
  const events = await turn(h, log, 'first');
  expect(events).toContainEqual(expect.objectContaining({ kind: 'text', text: STUB_REPLY, final: true }));
  await log.next('persisted');
  await h.stop();
  return h.vendorId;
}

const rollouts = (): string[] => {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(join(d, e.name)) : out.push(join(d, e.name));
  };
  walk(join(box.env.CODEX_HOME!, 'sessions'));
  return out;
};

describe('real codex: dependencies', () => {
  it('app-server is installed and can resume; a missing binary is dependency-missing', async () => {
    const driver = await world();
    expect(await driver.checkDependencies()).toMatchObject({ installed: true, canResume: true, version: expect.stringMatching(/^codex-cli \d+\.\d+\.\d+/) });
    const missing = createCodexAppServerDriver({ command: join(box.root, 'no-codex'), env: box.env, timeoutMs: 10_000 });
    expect(await missing.checkDependencies()).toMatchObject({ installed: false, canResume: false });
    expect(await missing.start({ cwd: box.cwd, title: 't' })).toMatchObject({ ok: false, code: 'dependency-missing' });
  });

  it('codex-mcp says plainly that this Codex has no mcp-server, and starts nothing', async () => {
    await world();
    const mcp = createCodexMcpDriver({ command: codex, env: box.env, timeoutMs: 20_000 });
    expect(await mcp.checkDependencies()).toMatchObject({ installed: false, detail: CODEX_MCP_SERVER_MISSING });
    expect(await mcp.start({ cwd: box.cwd, title: 't' })).toMatchObject({ ok: false, code: 'dependency-missing' });
  });
});

describe('real codex: an offline first turn', () => {
  it('shows its retries without end, yet leaves the thread resumable by id though the turn never ends', async () => {
    const driver = await world({ offline: true });
    const h = await started(driver);
    const log = new EventLog(h);
    await h.send('hello offline');
    const retry = await log.next('retry', 0, 60_000);
    expect(retry).toMatchObject({ kind: 'retry', maxAttempts: 5, detail: expect.stringContaining('stream disconnected') });
    await log.next('persisted', 0, 30_000);
    await h.stop();
    expect(log.kinds()).not.toContain('turn-end');
    const r = await driver.resume({ vendorId: h.vendorId, cwd: box.cwd });
    if (!r.ok) throw new Error(`${r.code}: ${r.detail}`);
    handles.push(r.handle);
    expect(r.handle.vendorId).toBe(h.vendorId);
    expect(rollouts()).toHaveLength(1);
  });

  it('a first turn cut short while the API was unreachable: once it is back, the same thread answers', async () => {
    const driver = await world({ offline: true });
    codexUsesStub(box, 'http://127.0.0.1:9', 100);
    const h = await started(driver);
    const log = new EventLog(h);
    await h.send('hello offline');
    // A refused connection is retried per request_max_retries without any notification (seen with 0.171).
    await log.next('persisted', 0, 30_000);
    await h.stop();
    expect(log.kinds()).not.toContain('turn-end');
    codexUsesStub(box, stub.url);
    const r = await driver.resume({ vendorId: h.vendorId, cwd: box.cwd });
    if (!r.ok) throw new Error(`${r.code}: ${r.detail}`);
    handles.push(r.handle);
    expect(await turn(r.handle, new EventLog(r.handle), 'now online')).toContainEqual(expect.objectContaining({ kind: 'text', text: STUB_REPLY, final: true }));
    expect(rollouts()).toHaveLength(1);
  });

  it('a model API that keeps failing ends the turn vendor-gave-up; a rejected key ends it auth-failed', async () => {
    const driver = await world();
    const h = await started(driver);
    const log = new EventLog(h);
    stub.mode = 'overloaded';
    const gaveUp = await turn(h, log, 'overloaded');
    expect(gaveUp.some((e) => e.kind === 'retry')).toBe(true);
    expect(gaveUp.filter((e) => e.kind === 'error')).toEqual([]);
    expect(gaveUp.at(-1)).toMatchObject({ kind: 'turn-end', failure: { code: 'vendor-gave-up' } });
    stub.mode = 'unauthorized';
    const denied = await turn(h, log, 'bad key');
    expect(denied.at(-1)).toMatchObject({ kind: 'turn-end', failure: { code: 'auth-failed', detail: expect.stringContaining('401') } });
  });

  it('an interrupt ends the turn typed interrupted (turn.status "interrupted")', async () => {
    const driver = await world();
    stub.mode = 'slow';
    const h = await started(driver);
    const log = new EventLog(h);
    await h.send('take your time');
    // At once: Codex refuses an interrupt until it announced the turn; the driver waits for that.
    await h.interrupt();
    expect(await log.next('turn-end', 0, 30_000)).toEqual({ kind: 'turn-end', failure: { code: 'interrupted', detail: 'The turn was interrupted.' } });
  });
});

describe('real codex: strict resume', () => {
  it('an unknown thread id is vendor-not-found', async () => {
    const driver = await world();
    const r = await driver.resume({ vendorId: asVendorId('01990000-0000-7000-8000-000000000000'), cwd: box.cwd });
    expect(r).toMatchObject({ ok: false, code: 'vendor-not-found' });
    if (!r.ok) expect(r.detail).toContain('no rollout found');
  });

  it('a rollout copied under another id is vendor-id-mismatch ("thread source changed during resume")', async () => {
    const driver = await world();
    const id = await persisted(driver);
    const [file] = rollouts();
    const copy = '01a23123-e909-7c05-ad68-5f84c406e2e9';
    copyFileSync(file!, file!.replace(id, copy));
    const r = await driver.resume({ vendorId: asVendorId(copy), cwd: box.cwd });
    expect(r).toMatchObject({ ok: false, code: 'vendor-id-mismatch' });
    if (!r.ok) expect(r.detail).toContain('thread source changed during resume');
  });

  it('a thread a second real process holds is session-in-use: by its writer lock first, by "active writer" at worst', async () => {
    const driver = await world();
    const id = await persisted(driver);
    const holder = await driver.resume({ vendorId: asVendorId(id), cwd: box.cwd });
    if (!holder.ok) throw new Error(`${holder.code}: ${holder.detail}`);
    handles.push(holder.handle);
    const held = driver.holders!(asVendorId(id));
    expect(held).toHaveLength(1);
    const m = await machineWith(driver);
    try {
      await m.handle({ type: 'resume', attemptId: 'att-1' as never, sessionId: 's1' as never, vendorResumeId: asVendorId(id), backend: 'codex-app-server', cwd: box.cwd });
      const r = await m.frame('resume-result');
      expect(r).toMatchObject({ ok: false, code: 'session-in-use' });
      if (!r.ok) expect(r.detail).toContain(`pid ${held[0]!.pid}`);
    } finally {
      await m.close();
    }
    // Past Baton's own check, Codex refuses too.
    const direct = await driver.resume({ vendorId: asVendorId(id), cwd: box.cwd });
    expect(direct).toMatchObject({ ok: false, code: 'session-in-use' });
    if (!direct.ok) expect(direct.detail).toContain('already has an active writer');
  });
});

describe('real codex: taking over a thread made by the real CLI', () => {
  it('`codex exec` makes one; it is listed by its first message, adopted, resumed with the same id, and answers', async () => {
    const driver = await world();
    await new Promise<void>((resolve, reject) => {
      const c = spawn(codex, ['exec', '--skip-git-repo-check', 'made in the terminal'], { cwd: box.cwd, env: box.env, stdio: 'ignore' });
      c.on('error', reject);
      c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`codex exec exited ${code}`))));
    });
    const direct = await driver.listDirect();
    expect(direct).toHaveLength(1);
    expect(direct[0]).toMatchObject({ cwd: box.cwd, title: 'made in the terminal' });
    const id = direct[0]!.vendorResumeId;
    const m = await machineWith(driver);
    try {
      await m.handle({ type: 'adopt', sessionId: 's1' as never, vendorResumeId: id, provider: 'codex', backend: 'codex-app-server', cwd: box.cwd });
      await m.handle({ type: 'resume', attemptId: 'att-1' as never, sessionId: 's1' as never, vendorResumeId: id, backend: 'codex-app-server', cwd: box.cwd });
      expect(await m.frame('resume-result')).toMatchObject({ ok: true, vendorResumeId: id });
      await m.handle({ type: 'deliver', sessionId: 's1' as never, messageId: 'msg-1' as never, text: 'from the phone' });
      await m.frame('agent-event', (f) => f.event.kind === 'turn-end');
      expect(m.sent).toContainEqual(expect.objectContaining({ type: 'agent-event', event: expect.objectContaining({ kind: 'text', text: STUB_REPLY, final: true }) }));
      expect(rollouts()).toHaveLength(1);
    } finally {
      await m.close();
    }
  });
});
