// Strict resume against the real Gemini CLI 0.61 (`gemini --acp`), its model a loopback stub (GOOGLE_GEMINI_BASE_URL).
import { spawn } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asVendorId, type VendorId } from '../../src/core/index.ts';
import type { AgentHandle, BackendDriver } from '../../src/machine/providers/backend.ts';
import { createGeminiAcpDriver } from '../../src/machine/providers/gemini-acp/index.ts';
import { EventLog, turn } from '../machine/backend-contract.ts';
import { geminiStub, groupAlive, realCli, sandbox, type Sandbox, type Stub } from './lib/real-env.ts';

describe('real Gemini CLI', () => {
  let box: Sandbox;
  let stub: Stub;
  let driver: BackendDriver;
  let command: string;
  let vendorId: VendorId;
  const handles: AgentHandle[] = [];

  beforeAll(async () => {
    command = realCli('gemini');
    stub = await geminiStub();
    box = await sandbox({ GEMINI_API_KEY: 'stub-key', GOOGLE_GEMINI_BASE_URL: stub.url });
    // Long enough for the driver to wait out Gemini's same-minute bug instead of refusing.
    driver = createGeminiAcpDriver({ command, env: box.env, timeoutMs: 150_000 });
  });
  afterAll(async () => {
    await Promise.all(handles.map((h) => h.stop()));
    await stub.close();
    await box.cleanup();
  });
  const chats = async () => {
    const tmp = join(box.home, '.gemini', 'tmp');
    const out: string[] = [];
    for (const p of await readdir(tmp).catch(() => [] as string[])) for (const c of await readdir(join(tmp, p, 'chats')).catch(() => [] as string[])) out.push(c);
    return out;
  };
  const resume = async (id: VendorId) => {
    const outcome = await driver.resume({ vendorId: id, cwd: box.cwd });
    if (!outcome.ok) throw new Error(`${outcome.code}: ${outcome.detail}`);
    handles.push(outcome.handle);
    return outcome.handle;
  };

  it('checkDependencies sees loadSession and leaves no chat in the user’s store', async () => {
    expect(await driver.checkDependencies()).toMatchObject({ installed: true, version: '0.61.0', canResume: true });
    expect(await readdir(join(box.home, '.gemini')).catch(() => [])).toEqual([]);
  });

  it('a missing binary is dependency-missing', async () => {
    const missing = createGeminiAcpDriver({ command: `${box.root}/no-gemini`, env: box.env, timeoutMs: 10_000 });
    expect(await missing.start({ cwd: box.cwd, title: 'x' })).toMatchObject({ ok: false, code: 'dependency-missing' });
  });

  it('start in a cwd with @ + # answers; stop ends the wrapper and its child', async () => {
    const outcome = await driver.start({ cwd: box.cwd, title: 'real' });
    if (!outcome.ok) throw new Error(`${outcome.code}: ${outcome.detail}`);
    const handle = outcome.handle;
    vendorId = handle.vendorId;
    const log = new EventLog(handle);
    const events = await turn(handle, log, 'first words');
    expect(events).toContainEqual({ kind: 'text', text: 'hello from gemini stub' });
    expect(events.at(-1)).toEqual({ kind: 'turn-end' });
    await log.next('persisted');
    await handle.stop();
    expect(groupAlive(handle.pid!)).toBe(false);
    // Listed by the user's words, never by Gemini's synthetic <session_context>; start-up chats not at all.
    expect((await driver.listDirect()).map((d) => [d.vendorResumeId, d.title])).toEqual([[vendorId, 'first words']]);
  });

  it('resumes the same id strictly, again and again, after the key-only auth of a fresh settings file', async () => {
    // The key is only in the environment: Gemini's settings select no auth method.
    await rm(join(box.home, '.gemini', 'settings.json'), { force: true });
    for (const text of ['second words', 'third words']) {
      const handle = await resume(vendorId);
      expect(handle.vendorId).toBe(vendorId);
      const log = new EventLog(handle);
      expect(await turn(handle, log, text)).toContainEqual({ kind: 'text', text: 'hello from gemini stub' });
      await handle.stop();
    }
    expect((await chats()).filter((c) => c.endsWith(`-${vendorId.slice(0, 8)}.jsonl`))).toHaveLength(1);
  });

  it('an unknown id is vendor-not-found', async () => {
    expect(await driver.resume({ vendorId: asVendorId('0badc0de-0000-4000-8000-000000000000'), cwd: box.cwd })).toMatchObject({ ok: false, code: 'vendor-not-found' });
  });

  it('a prompt the model refuses ends typed, a cancelled one interrupted', async () => {
    stub.mode = 'bad';
    const handle = await resume(vendorId);
    const log = new EventLog(handle);
    const failed = await turn(handle, log, 'refuse me');
    expect(failed.at(-1)).toMatchObject({ kind: 'turn-end', failure: { code: 'turn-failed' } });
    stub.mode = 'slow';
    const from = log.events.length;
    await handle.send('take your time');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await handle.interrupt();
    expect(await log.next('turn-end', from, 30_000)).toEqual({ kind: 'turn-end', failure: { code: 'interrupted', detail: 'the prompt was cancelled' } });
    stub.mode = 'ok';
    await handle.stop();
  });

  it('takes over a chat the real Gemini made on its own', async () => {
    // The user's own `gemini --acp` client makes a chat with one turn, then exits.
    const made = await new Promise<string>((resolve, reject) => {
      const child = spawn(command, ['--acp'], { cwd: box.cwd, env: box.env, stdio: ['pipe', 'pipe', 'inherit'] });
      let buf = '';
      let id = '';
      const send = (m: object) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...m })}\n`);
      child.stdout.on('data', (d: Buffer) => {
        buf += d;
        for (let i; (i = buf.indexOf('\n')) >= 0; ) {
          const msg = JSON.parse(buf.slice(0, i)) as { id?: number; result?: { sessionId?: string; stopReason?: string } };
          buf = buf.slice(i + 1);
          if (msg.id === 1) send({ id: 2, method: 'session/new', params: { cwd: box.cwd, mcpServers: [] } });
          if (msg.id === 2) send({ id: 3, method: 'session/prompt', params: { sessionId: (id = msg.result!.sessionId!), prompt: [{ type: 'text', text: 'made in a terminal' }] } });
          if (msg.id === 3) child.stdin.end();
        }
      });
      child.on('exit', () => (id ? resolve(id) : reject(new Error('no session made'))));
      send({ id: 1, method: 'initialize', params: { protocolVersion: 1, clientCapabilities: {} } });
    });
    expect((await driver.listDirect()).find((d) => d.vendorResumeId === made)).toMatchObject({ title: 'made in a terminal', cwd: box.cwd });
    const handle = await resume(asVendorId(made));
    const log = new EventLog(handle);
    expect(await turn(handle, log, 'from the phone')).toContainEqual({ kind: 'text', text: 'hello from gemini stub' });
    await handle.stop();
  });
});
