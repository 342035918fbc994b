// Every backend, end to end: a start into a folder that is not there (or not a folder) fails typed
// `cwd-invalid` before anything is spawned, the session is not left "starting", and its first message fails
// with the same code; a resume whose folder was removed fails `cwd-invalid` too and reopens nothing.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, type SessionRecord } from '../../src/core/index.ts';
import type { FakeProvider } from '../helpers/fake-env.ts';
import { eventually, liveSessionWithTurn, PROVIDER_OF, startStack, type Stack } from './stack.ts';

let stack: Stack;
beforeAll(async () => {
  // The generic ACP backend runs whatever agent the machine configures: here the fake Gemini, over ACP.
  stack = await startStack({ daemonEnv: { BATON_ACP_AGENT: 'gemini --acp' } });
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

describe.each(BACKENDS)('%s', (backend) => {
  const provider = PROVIDER_OF(backend) as FakeProvider | 'acp';
  // Which fake records what the agent did (the acp backend runs the fake Gemini).
  const recorder: FakeProvider = provider === 'acp' ? 'gemini' : provider;

  it.each([
    ['missing', () => join(stack.fake.cwd, 'no-such-project')],
    ['a file', () => {
      const file = join(stack.fake.cwd, 'notes.txt');
      writeFileSync(file, 'a file, not a folder');
      return file;
    }],
  ])('a start whose cwd is %s fails cwd-invalid, with the path, and is not left starting', async (_what, pathOf) => {
    const { phone, fake } = stack;
    const cwd = pathOf();
    const createdBefore = (await fake.record(recorder)).filter((r) => r.event === 'created').length;
    const machine = await stack.machine();
    const { session } = await phone.call('startSession', { body: {
      machineId: machine.id, provider, backend, cwd, message: { clientId: `c-${backend}-${Math.random()}`, text: 'first' },
    } });
    const first = (await phone.messages(session.id))[0]!;
    const failed = await phone.waitMessage(session.id, first.id, (m) => m.state === 'failed', 'the first message to fail');
    expect(failed.failure?.code).toBe('cwd-invalid');
    expect(failed.failure?.detail).toContain(JSON.stringify(cwd));
    const after = await phone.session(session.id);
    expect(after.status).toBe('inactive');
    expect(after.availability.state).not.toBe('resuming'); // not "starting" forever
    expect((await fake.record(recorder)).filter((r) => r.event === 'created').length).toBe(createdBefore);
  }, 30_000);

  if (!BACKENDS_RESUMABLE.includes(backend)) return;

  it('a resume whose folder was removed fails cwd-invalid and reopens nothing', async () => {
    const { phone, fake } = stack;
    const dir = join(fake.cwd, `moving-${backend}`);
    mkdirSync(dir, { recursive: true });
    const s = await liveSessionWithTurn(stack, backend, 'one', dir);
    await phone.call('stopSession', { id: s.id });
    await phone.waitSession(s.id, (x) => x.status === 'inactive', 'the session to stop');
    rmSync(dir, { recursive: true, force: true });
    const m = await phone.send(s.id, 'after the move');
    const failed = await phone.waitMessage(s.id, m.id, (x) => x.state === 'failed', 'the message to fail');
    expect(failed.failure?.code).toBe('cwd-invalid');
    expect(await eventually(async () => (await phone.session(s.id)).lastResume?.state === 'failed' && (await phone.session(s.id)).lastResume, 'the attempt to fail'))
      .toMatchObject({ code: 'cwd-invalid' });
    expect((await fake.record(recorder)).filter((r) => r.event === 'resumed' && r.vendorId === s.vendorId)).toEqual([]);
  }, 60_000);
});

const BACKENDS_RESUMABLE: readonly string[] = ['claude-stream', 'codex-app-server', 'opencode-serve', 'gemini-acp', 'acp'];
