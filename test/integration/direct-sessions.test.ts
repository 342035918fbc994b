// Direct sessions: a Claude or Codex session the developer started in their own terminal (outside Baton)
// shows up on the phone as not managed; sending to it is refused with nothing stored; taking it over binds
// a managed session to that same vendor id, and the first send resumes it strictly (no new vendor session).
import { spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonFileAtomic } from '../../src/machine/json-file.ts';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryPage, SessionRecord, SyncResponse } from '../../src/core/index.ts';
import { FAKES_BIN, type FakeEnv } from '../helpers/fake-env.ts';
import { BATON, eventually, refusal, startStack, type Stack } from './stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 60_000);
afterAll(async () => {
  if (process.env.BATON_TEST_DEBUG) process.stderr.write(stack?.laptop.stderr ?? '');
  await stack?.close();
});

/**
 * Runs a vendor CLI the way a developer would in their terminal (same HOME, no Baton), writes `lines` as
 * JSON to its stdin, and resolves with its stdout lines once `done` matches one of them; then closes stdin.
 */
function converse(fake: FakeEnv, command: string, args: string[], script: (send: (o: unknown) => void, line: Record<string, any>) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(`${FAKES_BIN}/${command}`, args, { cwd: fake.cwd, env: { ...process.env, ...fake.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const send = (o: unknown) => child.stdin.write(`${JSON.stringify(o)}\n`);
    let finished = false;
    createInterface({ input: child.stdout }).on('line', (l) => {
      if (finished) return;
      let json: Record<string, any>;
      try {
        json = JSON.parse(l);
      } catch {
        return;
      }
      if (script(send, json)) {
        finished = true;
        child.stdin.end();
      }
    });
    child.on('exit', (code) => (finished && code === 0 ? resolve() : reject(new Error(`${command} exited ${code} before the turn ended: ${stderr}`))));
    script(send, {});
  });
}

/** `claude -p … --session-id <id>` with one user turn: Claude writes its transcript. */
async function claudeInTerminal(fake: FakeEnv, text: string): Promise<string> {
  const id = randomUUID();
  await converse(fake, 'claude', ['-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose', '--session-id', id], (send, line) => {
    if (!line.type) send({ type: 'user', message: { role: 'user', content: text } });
    return line.type === 'result';
  });
  return id;
}

/** `codex app-server`: initialize, thread/start, one turn: Codex writes its rollout. */
async function codexInTerminal(fake: FakeEnv, text: string): Promise<string> {
  let threadId = '';
  await converse(fake, 'codex', ['app-server'], (send, line) => {
    if (!('id' in line) && !('method' in line)) send({ id: 1, method: 'initialize', params: { clientInfo: { name: 'terminal', version: '1' } } });
    else if (line.id === 1 && line.result) {
      send({ method: 'initialized' });
      send({ id: 2, method: 'thread/start', params: { cwd: fake.cwd } });
    } else if (line.id === 2 && line.result) {
      threadId = line.result.thread.id;
      send({ id: 3, method: 'turn/start', params: { threadId, input: [{ type: 'text', text }] } });
    }
    return line.method === 'turn/completed';
  });
  return threadId;
}

async function sessionsWithVendorId(vendorId: string): Promise<SessionRecord[]> {
  const sync = await stack.phone.call('sync', { query: { since: 0 } });
  return sync.sessions.filter((s) => s.vendorResumeId === vendorId || s.vendorId === vendorId);
}

describe.each([
  ['claude', 'claude-stream', claudeInTerminal],
  ['codex', 'codex-app-server', codexInTerminal],
] as const)('a %s session started in the terminal', (provider, backend, startInTerminal) => {
  it('appears as not managed, refuses sends, and once taken over resumes that same vendor session', async () => {
    const { phone, fake } = stack;
    const vendorId = await startInTerminal(fake, `fix the ${provider} bug`);

    const direct = await eventually(async () => (await sessionsWithVendorId(vendorId))[0], `the laptop to list the ${provider} session`);
    expect(direct).toMatchObject({
      managed: false, provider, backend, cwd: fake.cwd, status: 'inactive', title: `fix the ${provider} bug`,
      availability: { state: 'blocked', reason: 'not-managed' },
    });

    // Readable before deciding: its history, read on the laptop from the vendor's own store, newest page first.
    const history = await phone.call('readHistory', { id: direct.id });
    expect(history.hasOlder).toBe(false);
    expect(history.entries.filter((e) => e.role !== 'tool').map((e) => [e.role, e.text])).toEqual([['user', `fix the ${provider} bug`], ['agent', `echo: fix the ${provider} bug`]]);
    const older = await phone.call('readHistory', { id: direct.id, query: { before: history.entries.at(-1)!.index, limit: 1 } });
    expect(older.entries).toEqual([history.entries.at(-2)]);

    // Not managed: the phone's send is refused and nothing lands in the transcript.
    const refused = await refusal(phone.send(direct.id, 'from the phone'));
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ kind: 'blocked', reason: 'not-managed' });
    expect(await phone.messages(direct.id)).toEqual([]);

    // Take over: the same Baton session, now managed, bound to the vendor id, resumable; nothing started yet.
    const { session: taken } = await phone.call('takeOverSession', { id: direct.id });
    expect(taken).toMatchObject({ id: direct.id, managed: true, vendorResumeId: vendorId });
    await phone.waitSession(direct.id, (s) => s.availability.state === 'resumable', 'the taken-over session to be resumable');
    const before = await fake.record(provider);
    expect(before.filter((r) => r.vendorId === vendorId).map((r) => r.event)).toEqual(['created']);

    // The first send strictly resumes that vendor session, then it is delivered and answered.
    const m = await phone.send(direct.id, 'carry on from the phone');
    expect(m.state).toBe('awaiting-resume');
    await phone.waitMessage(direct.id, m.id, (x) => x.state === 'answered', 'the first message after takeover to be answered');
    const texts = (await phone.messages(direct.id)).map((x) => x.text);
    expect(texts).toContain('echo: carry on from the phone');
    expect(await phone.session(direct.id)).toMatchObject({ status: 'active', managed: true, vendorResumeId: vendorId, lastResume: { state: 'resumed' } });

    const record = await fake.record(provider);
    expect(record.filter((r) => r.vendorId === vendorId).map((r) => r.event)).toEqual(['created', 'resumed']);
    expect(record.filter((r) => r.event === 'created')).toHaveLength(before.filter((r) => r.event === 'created').length);

    // The laptop keeps listing its store; the session must not come back as a second, unmanaged copy.
    await eventually(async () => (await sessionsWithVendorId(vendorId)).length === 1, 'one Baton session for the vendor id');
    await phone.call('stopSession', { id: direct.id });
    await phone.waitSession(direct.id, (s) => s.status === 'inactive', 'the session to stop');
  }, 60_000);
});

it('taking over a session that is already managed is a conflict and changes nothing', async () => {
  const { phone, fake } = stack;
  const vendorId = await claudeInTerminal(fake, 'twice');
  const direct = await eventually(async () => (await sessionsWithVendorId(vendorId))[0], 'the laptop to list the session');
  await phone.call('takeOverSession', { id: direct.id });
  const again = await refusal(phone.call('takeOverSession', { id: direct.id }));
  expect(again.status).toBe(409);
  expect(again.body).toMatchObject({ kind: 'conflict' });
  expect(await phone.messages(direct.id)).toEqual([]);
}, 60_000);

it('`baton takeover <id>` takes a direct session over from the terminal', async () => {
  const { phone, fake, server } = stack;
  const vendorId = await claudeInTerminal(fake, 'from my terminal');
  const direct = await eventually(async () => (await sessionsWithVendorId(vendorId))[0], 'the laptop to list the session');
  const cliHome = join(fake.root, 'terminal');
  writeJsonFileAtomic(join(cliHome, 'cli.json'), { serverUrl: server.url, token: server.admin.issueToken(server.admin.defaultAccount(), 'cli', 'terminal').token });
  // Not spawnSync: the server runs in this process and must answer meanwhile.
  const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BATON, 'takeover', direct.id, '--json'], { env: { ...process.env, ...fake.env, BATON_HOME: cliHome } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
  expect(run.status, run.stderr).toBe(0);
  expect(JSON.parse(run.stdout)).toMatchObject({ id: direct.id, managed: true, vendorResumeId: vendorId });
  expect(await phone.session(direct.id)).toMatchObject({ managed: true });
}, 60_000);

it('a direct session deleted from the vendor’s store leaves the phone’s list (sync names it removed)', async () => {
  const { phone, fake } = stack;
  const vendorId = await claudeInTerminal(fake, 'to be deleted');
  const direct = await eventually(async () => (await sessionsWithVendorId(vendorId))[0], 'the laptop to list the session');
  const cursor = (await phone.call('sync', { query: { since: 0 } })).cursor;
  const projects = join(fake.env.CLAUDE_CONFIG_DIR!, 'projects');
  for (const d of readdirSync(projects)) rmSync(join(projects, d, `${vendorId}.jsonl`), { force: true });
  const sync = await eventually(async () => {
    const s = await phone.call('sync', { query: { since: cursor } });
    return s.removedSessionIds.includes(direct.id) ? s : null;
  }, 'the session to be removed');
  expect(sync.sessions.some((x) => x.id === direct.id)).toBe(false);
  expect(await sessionsWithVendorId(vendorId)).toEqual([]);
  // Its history is gone with it.
  expect((await refusal(phone.call('readHistory', { id: direct.id }))).status).toBe(404);
}, 60_000);
