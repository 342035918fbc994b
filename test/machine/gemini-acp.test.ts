// The gemini-acp driver against the fake `gemini --acp` (real processes, ACP JSON-RPC over stdio).
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NO_LOAD_SESSION, createGeminiAcpDriver } from '../../src/machine/providers/gemini-acp/index.ts';
import { EventLog, describeBackendContract, fakeFixture, turn } from './backend-contract.ts';
import { summarizeInput } from '../../src/core/index.ts';

const SLOW_MS = 400;

const fixture = (extraEnv: Record<string, string> = {}) =>
  fakeFixture('gemini', createGeminiAcpDriver, { slowMs: SLOW_MS, timeoutMs: 10_000, extraEnv });

describeBackendContract('gemini-acp', () => fixture(), { resumable: true, mismatchDetectedAt: 'resume', slowMs: SLOW_MS });

describe('gemini-acp specifics', () => {
  let fx: Awaited<ReturnType<typeof fixture>> | null = null;
  afterEach(async () => {
    expect(await fx?.livePids()).toEqual([]);
    await fx?.cleanup();
    fx = null;
  });

  async function persisted(f: NonNullable<typeof fx>) {
    const started = await f.driver.start({ cwd: f.cwd, title: 'laptop' });
    if (!started.ok) throw new Error(started.detail);
    const log = new EventLog(started.handle);
    await turn(started.handle, log, 'first');
    await log.next('persisted');
    await started.handle.stop();
    return started.handle.vendorId;
  }

  it('an agent without loadSession: checkDependencies says it cannot resume, and resume is dependency-missing with no session created', async () => {
    fx = await fixture();
    const vendorId = await persisted(fx);
    await fx.setFaults(['no-load-session']);
    const driver = fx.makeDriver();
    const caps = await driver.checkDependencies();
    expect(caps).toMatchObject({ installed: true, canResume: false });
    expect(caps.detail).toBe(NO_LOAD_SESSION);
    const outcome = await driver.resume({ vendorId, cwd: fx.cwd });
    expect(outcome).toMatchObject({ ok: false, code: 'dependency-missing' });
    const lines = await fx.record();
    expect(lines.map((l) => l.event)).toEqual(['created']); // no new session, and no load was even tried
  });

  it('history replayed by session/load is not forwarded as new agent messages', async () => {
    fx = await fixture();
    const vendorId = await persisted(fx);
    const outcome = await fx.driver.resume({ vendorId, cwd: fx.cwd });
    if (!outcome.ok) throw new Error(outcome.detail);
    const log = new EventLog(outcome.handle);
    const events = await turn(outcome.handle, log, 'from the phone');
    // The replay ("first", "echo: first", its tool call) came before this turn and after the load answer; none of it shows.
    expect(log.events.filter((e) => e.kind === 'text')).toEqual([{ kind: 'text', text: 'echo: from the phone' }]);
    const calls = events.filter((e) => e.kind === 'tool-call');
    expect(calls.map((c) => c.callId).filter((id, i, all) => all.indexOf(id) === i)).toHaveLength(1);
    expect(calls[0]).toMatchObject({ tool: 'Read', title: 'README.md' });
    await outcome.handle.stop();
  });

  it('an older CLI that only knows --experimental-acp is driven with that flag', async () => {
    fx = await fixture({ BATON_FAKE_GEMINI_LEGACY: '1' });
    const caps = await fx.driver.checkDependencies();
    expect(caps).toMatchObject({ installed: true, canResume: true });
    const vendorId = await persisted(fx);
    const outcome = await fx.driver.resume({ vendorId, cwd: fx.cwd });
    if (!outcome.ok) throw new Error(outcome.detail);
    expect(outcome.handle.vendorId).toBe(vendorId);
    await outcome.handle.stop();
  });

  it('interrupt while a permission is pending cancels the prompt: the turn ends without an answer', async () => {
    fx = await fixture();
    await fx.setFaults(['permission']);
    const started = await fx.driver.start({ cwd: fx.cwd, title: 'laptop' });
    if (!started.ok) throw new Error(started.detail);
    const log = new EventLog(started.handle);
    await started.handle.send('never mind');
    const ask = await log.next('permission-request');
    expect(ask).toMatchObject({ tool: 'Bash', title: 'ls' });
    expect(summarizeInput(ask.input)).toBe('ls');
    await started.handle.interrupt();
    await log.next('turn-end');
    expect(log.kinds()).not.toContain('text');
    expect(log.kinds()).not.toContain('persisted'); // a cancelled turn saved nothing to resume
    await expect(started.handle.answerPermission(ask.permissionId, 'allow')).rejects.toThrow(/no open permission request/);
    await started.handle.stop();
  });

  it('an agent that crashes on a turn ends in an exit with its code, and no answer', async () => {
    fx = await fixture();
    await fx.setFaults(['crash-on-turn']);
    const started = await fx.driver.start({ cwd: fx.cwd, title: 'laptop' });
    if (!started.ok) throw new Error(started.detail);
    const log = new EventLog(started.handle);
    await started.handle.send('boom').catch(() => {}); // written or not, the crash is what the exit reports
    const exit = await log.next('exit');
    expect(exit).toMatchObject({ code: 1 });
    expect(exit.detail).toMatch(/code 1/);
    expect(log.kinds()).toEqual(['exit']);
  });

  it('two messages sent at once are prompted one after the other, each answered in order', async () => {
    fx = await fixture();
    const started = await fx.driver.start({ cwd: fx.cwd, title: 'laptop' });
    if (!started.ok) throw new Error(started.detail);
    const log = new EventLog(started.handle);
    await Promise.all([started.handle.send('one'), started.handle.send('two')]);
    const first = await log.next('turn-end');
    await log.next('turn-end', log.events.indexOf(first) + 1);
    const texts = log.events.filter((e) => e.kind === 'text').map((e) => (e as { text: string }).text);
    expect(texts).toEqual(['echo: one', 'echo: two']);
    await started.handle.stop();
  });

  it('listDirect reads the JSON-lines chat files of newer releases, with the project path from .project_root', async () => {
    fx = await fixture();
    const project = join(fx.fake.home, '.gemini', 'tmp', 'my-project');
    await mkdir(join(project, 'chats'), { recursive: true });
    await writeFile(join(project, '.project_root'), fx.cwd);
    const id = '0a1b2c3d-1111-2222-3333-444455556666';
    const user = { id: 'u1', type: 'user', timestamp: '2026-01-02T03:04:05.000Z', content: [{ text: 'tidy the README' }] };
    const lines = [{ sessionId: id, projectHash: 'my-project', startTime: '2026-01-02T03:04:05.000Z', lastUpdated: '2026-01-02T03:05:00.000Z' }, user, { $set: { messages: [user] } }];
    await writeFile(join(project, 'chats', `session-2026-01-02T03-04-${id.slice(0, 8)}.jsonl`), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    // A chat with only system messages is no conversation: not listed.
    await writeFile(join(project, 'chats', 'session-2026-01-02T03-09-deadbeef.json'), JSON.stringify({ sessionId: 'deadbeef-0000-0000-0000-000000000000', messages: [{ type: 'info', content: 'hi' }] }));
    expect(await fx.driver.listDirect()).toEqual([
      { provider: 'gemini', backend: 'gemini-acp', vendorResumeId: id, cwd: fx.cwd, title: 'tidy the README', updatedAt: Date.parse('2026-01-02T03:05:00.000Z') },
    ]);
  });

  it('checkDependencies probes once and caches what the agent advertised', async () => {
    fx = await fixture();
    const driver = fx.makeDriver();
    expect((await driver.checkDependencies()).canResume).toBe(true);
    await fx.setFaults(['hang']); // a second probe would hang; the cached answer does not
    expect((await driver.checkDependencies()).canResume).toBe(true);
  });

  /** The chat files the fake keeps for the sandbox's project (like Gemini 0.61: ~/.gemini/tmp/<project>/chats). */
  async function chatFiles(f: NonNullable<typeof fx>): Promise<string[]> {
    const tmp = join(f.fake.home, '.gemini', 'tmp');
    const out: string[] = [];
    for (const p of await readdir(tmp).catch(() => [] as string[])) for (const c of await readdir(join(tmp, p, 'chats')).catch(() => [] as string[])) out.push(c);
    return out.sort();
  }

  // Regression: every Gemini resume failed "Authentication required" when the key came from the environment,
  // because Baton never called `authenticate` although `initialize` lists authMethods.
  it('resume authenticates with the key from the environment before session/load', async () => {
    fx = await fixture();
    const vendorId = await persisted(fx);
    // A machine whose Gemini settings select no auth method (the key is only in the environment).
    await rm(join(fx.fake.home, '.gemini', 'settings.json'), { force: true });
    const outcome = await fx.driver.resume({ vendorId, cwd: fx.cwd });
    if (!outcome.ok) throw new Error(`${outcome.code}: ${outcome.detail}`);
    const log = new EventLog(outcome.handle);
    expect(await turn(outcome.handle, log, 'still me')).toContainEqual({ kind: 'text', text: 'echo: still me' });
    await outcome.handle.stop();
  });

  it('without a key or a logged-in Gemini, start fails with the agent’s words and leaves no process', async () => {
    fx = await fixture();
    const driver = fx.makeDriver({ env: { ...fx.fake.env, GEMINI_API_KEY: undefined } as never });
    const outcome = await driver.start({ cwd: fx.cwd, title: 'x' });
    expect(outcome).toMatchObject({ ok: false, code: 'vendor-error' });
    if (!outcome.ok) expect(outcome.detail).toMatch(/API key is missing/);
  });

  // Regression: the capability probe ran `gemini --acp` in the daemon's tmpdir with the user's home, so every
  // `baton doctor` / daemon start recorded a chat (listing that folder) in the user's Gemini store.
  it('checkDependencies leaves no chat in the user’s Gemini store', async () => {
    fx = await fixture();
    expect((await fx.driver.checkDependencies()).canResume).toBe(true);
    expect(await readdir(join(fx.fake.home, '.gemini')).catch(() => [])).toEqual([]);
  });

  it('listDirect skips start-up chats and titles a chat by the user’s words, not the synthetic <session_context>', async () => {
    fx = await fixture();
    const started = await fx.driver.start({ cwd: fx.cwd, title: 'x' });
    if (!started.ok) throw new Error(started.detail);
    await started.handle.stop(); // a session with no turn: only Gemini's start-up record
    expect((await chatFiles(fx)).length).toBeGreaterThan(0);
    expect(await fx.driver.listDirect()).toEqual([]);
    const vendorId = await persisted(fx);
    const direct = await fx.driver.listDirect();
    expect(direct.map((d) => [d.vendorResumeId, d.title])).toEqual([[vendorId, 'first']]);
  });

  // Regression: Gemini's `session/load` in the minute the chat was created wipes its history (a vendor bug);
  // Baton reopened it and the session came back "not found", its history gone.
  it('a resume within the chat’s first minute is refused, typed, before Gemini can wipe the history', async () => {
    fx = await fixture({ BATON_FAKE_GEMINI_CHAT_AGE_MS: '0' });
    const vendorId = await persisted(fx);
    const before = await chatFiles(fx);
    const outcome = await fx.makeDriver({ timeoutMs: 1_000 }).resume({ vendorId, cwd: fx.cwd });
    // (In the last half second of a minute the driver waits for the next one instead; either way nothing is lost.)
    if (outcome.ok) await outcome.handle.stop();
    else {
      expect(outcome.code).toBe('vendor-error');
      expect(outcome.detail).toMatch(/within the minute .* created \(a Gemini bug\).*try again in \d+ s/);
      expect(await chatFiles(fx)).toEqual(before);
      expect((await fx.record()).map((l) => l.event)).toEqual(['created']);
    }
    expect((await fx.driver.listDirect()).map((d) => d.title)).toEqual(['first']);
  });

  // Regression: a reopened chat left an empty start-up file with the same 8-character prefix; Gemini's next
  // start deleted every file with that prefix, so the second resume found nothing and the history was gone.
  it('a chat resumes again and again: the empty duplicate a load leaves is removed', async () => {
    fx = await fixture();
    const vendorId = await persisted(fx);
    for (const text of ['second', 'third']) {
      const outcome = await fx.driver.resume({ vendorId, cwd: fx.cwd });
      if (!outcome.ok) throw new Error(`${text}: ${outcome.code} ${outcome.detail}`);
      const log = new EventLog(outcome.handle);
      expect(await turn(outcome.handle, log, text)).toContainEqual({ kind: 'text', text: `echo: ${text}` });
      await outcome.handle.stop();
    }
    const chats = await chatFiles(fx);
    expect(chats.filter((c) => c.endsWith(`-${vendorId.slice(0, 8)}.jsonl`))).toHaveLength(1);
  });

  it('a cancelled prompt ends the turn typed interrupted; a prompt the agent fails ends typed, not as an answer', async () => {
    fx = await fixture();
    await fx.setFaults(['permission']);
    const started = await fx.driver.start({ cwd: fx.cwd, title: 'x' });
    if (!started.ok) throw new Error(started.detail);
    const log = new EventLog(started.handle);
    await started.handle.send('never mind');
    await log.next('permission-request');
    await started.handle.interrupt();
    expect(await log.next('turn-end')).toEqual({ kind: 'turn-end', failure: { code: 'interrupted', detail: 'the prompt was cancelled' } });
    await fx.setFaults(['prompt-error']);
    const from = log.events.length;
    await started.handle.send('offline');
    const end = await log.next('turn-end', from);
    expect(end.failure?.code).toBe('vendor-gave-up');
    expect(end.failure?.detail).toBe('The model is overloaded. (503)');
    expect(log.kinds(from)).toEqual(['turn-end']);
    await started.handle.stop();
  });

  // Regression: Gemini is a wrapper plus a child and ignores SIGTERM; stop signalled only the wrapper, so a
  // child that did not exit when stdin closed outlived the session.
  it('stop ends the wrapper and its child even when the child ignores SIGTERM and stdin closing', async () => {
    fx = await fixture();
    await fx.setFaults(['stuck-on-exit']);
    const started = await fx.driver.start({ cwd: fx.cwd, title: 'x' });
    if (!started.ok) throw new Error(started.detail);
    expect((await fx.livePids()).length).toBe(2);
    const log = new EventLog(started.handle);
    await started.handle.stop();
    await log.next('exit');
    expect(await fx.livePids()).toEqual([]);
  }, 20_000);
});

// Seen with the real Gemini CLI 0.61 under `baton up`: `session/set_mode` to autoEdit or yolo in a folder Gemini does not
// trust answers -32603 "Internal error" with `data.details` "Cannot enable privileged approval modes in an untrusted
// folder."; Baton said only "Internal error", so the user could not tell what to do.
describe('gemini-acp: privileged modes and folder trust', () => {
  let fx: Awaited<ReturnType<typeof fixture>> | null = null;
  afterEach(async () => {
    await fx?.cleanup();
    fx = null;
  });

  it('yolo in an untrusted folder fails the start with Gemini’s reason and what to do; a trusted folder takes it', async () => {
    fx = await fixture();
    const refused = await fx.driver.start({ cwd: fx.cwd, title: 'yolo', permissionMode: 'yolo' });
    expect(refused).toMatchObject({ ok: false, code: 'vendor-error' });
    if (refused.ok) return;
    expect(refused.detail).toContain('Cannot enable privileged approval modes in an untrusted folder');
    expect(refused.detail).toMatch(/trust/i);
    expect(await fx.livePids()).toEqual([]);
    await mkdir(join(fx.fake.home, '.gemini'), { recursive: true });
    await writeFile(join(fx.fake.home, '.gemini', 'trustedFolders.json'), JSON.stringify({ [fx.cwd]: 'TRUST_FOLDER' }));
    const taken = await fx.driver.start({ cwd: fx.cwd, title: 'yolo', permissionMode: 'yolo' });
    if (!taken.ok) throw new Error(taken.detail);
    expect((await fx.record()).some((l) => l.event === 'permission-mode' && (l as { mode?: string }).mode === 'yolo')).toBe(true);
    await taken.handle.stop();
  });

  it('a change to yolo while it runs is refused with Gemini’s words (the daemon says them on the transcript)', async () => {
    fx = await fixture();
    const started = await fx.driver.start({ cwd: fx.cwd, title: 'live' });
    if (!started.ok) throw new Error(started.detail);
    await expect(started.handle.setPermissionMode!('yolo')).rejects.toThrow('Cannot enable privileged approval modes in an untrusted folder.');
    await started.handle.stop();
  });
});

// Seen with the real Gemini CLI 0.61: it sends no `tool_call` before `session/request_permission`, so the phone had no
// card for the command while it asked — only after the answer did a card appear, already done.
describe('gemini-acp: a tool call that asks first', () => {
  let fx: Awaited<ReturnType<typeof fixture>> | null = null;
  afterEach(async () => {
    await fx?.cleanup();
    fx = null;
  });

  it('shows as running while it asks (from the request), then done once allowed, as one call', async () => {
    fx = await fixture();
    await fx.setFaults(['permission']);
    const started = await fx.driver.start({ cwd: fx.cwd, title: 'ask' });
    if (!started.ok) throw new Error(started.detail);
    const log = new EventLog(started.handle);
    await started.handle.send('please allow');
    const ask = await log.next('permission-request');
    const before = log.events.slice(0, log.events.indexOf(ask));
    const running = before.find((e) => e.kind === 'tool-call' && e.callId === ask.callId);
    expect(running, JSON.stringify(log.events)).toMatchObject({ kind: 'tool-call', status: 'running', tool: 'Bash', result: null });
    await started.handle.answerPermission(ask.permissionId, 'allow');
    await log.next('turn-end');
    const calls = log.events.filter((e) => e.kind === 'tool-call' && e.callId === ask.callId);
    expect(calls.at(-1)).toMatchObject({ status: 'done' });
    await started.handle.stop();
  });
});
