// The machine keeps its own policy: whatever the server asks, the daemon starts, reopens or takes over agents only
// in the folders it allows (by default its user's home, never a dot-directory in it), and says why it refused.
// Regression: the daemon had no policy of its own: a compromised or impersonated server could make every paired
// machine run an agent in `/` (or `~/.ssh`) and approve its tools.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../src/core/index.ts';
import { eventually, startStack, type Stack } from './stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

async function startIn(cwd: string): Promise<{ session: SessionRecord; failure: { code: string; detail: string } | null }> {
  const machine = await stack.machine();
  const { session } = await stack.phone.call('startSession', { body: {
    machineId: machine.id, provider: 'claude', backend: 'claude-stream', cwd, message: { clientId: `c-${randomUUID()}`, text: 'first' },
  } });
  const first = (await stack.phone.messages(session.id))[0]!;
  const failed = await stack.phone.waitMessage(session.id, first.id, (m) => m.state === 'failed', 'the first message to fail');
  return { session, failure: failed.failure };
}

describe('a start the machine does not allow', () => {
  it.each([
    ['outside the home', () => {
      const dir = join(stack.fake.root, 'outside');
      mkdirSync(dir, { recursive: true });
      return dir;
    }, /outside the folders this machine lets agents work in .*--allow-root/],
    ['the file system root', () => '/', /outside the folders/],
    ['a dot-directory of the home', () => {
      const dir = join(stack.fake.home, '.ssh');
      mkdirSync(dir, { recursive: true });
      return dir;
    }, /inside the dot-directory .*\.ssh/],
    ['a link into a dot-directory', () => {
      mkdirSync(join(stack.fake.home, '.config', 'secrets'), { recursive: true });
      const link = join(stack.fake.home, 'innocent-looking');
      symlinkSync(join(stack.fake.home, '.config'), link);
      return join(link, 'secrets');
    }, /resolves to .*\.config.*dot-directory/],
  ])('is refused by the daemon itself (%s): cwd-not-allowed with a sentence, nothing spawned', async (_what, dirOf, why) => {
    const cwd = dirOf();
    const createdBefore = (await stack.fake.record('claude')).filter((r) => r.event === 'created').length;
    const { session, failure } = await startIn(cwd);
    expect(failure?.code).toBe('cwd-not-allowed');
    expect(failure?.detail).toMatch(why);
    expect((await stack.phone.session(session.id)).status).toBe('inactive');
    expect((await stack.fake.record('claude')).filter((r) => r.event === 'created').length).toBe(createdBefore);
  }, 30_000);

  it('while a folder in the home starts as before', async () => {
    const dir = join(stack.fake.home, 'code', 'app');
    mkdirSync(dir, { recursive: true });
    const s = await stack.phone.startSession('claude', 'claude-stream', dir);
    expect((await stack.phone.waitSession(s.id, (x) => x.status === 'active', 'the session to start')).cwd).toBe(dir);
  }, 30_000);
});

describe('a takeover the machine does not allow', () => {
  it('is not bound, and its first message fails cwd-not-allowed: nothing reopens the vendor session', async () => {
    // A Claude Code session someone ran in a folder outside the home: the daemon lists it (listing is read-only).
    const cwd = join(stack.fake.root, 'elsewhere-repo');
    mkdirSync(cwd, { recursive: true });
    const vendorId = randomUUID();
    const dir = join(stack.fake.env.CLAUDE_CONFIG_DIR!, 'projects', cwd.replace(/[^A-Za-z0-9]/g, '-'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${vendorId}.jsonl`), `${JSON.stringify({ type: 'user', cwd, sessionId: vendorId, message: { role: 'user', content: 'by hand' } })}\n`);
    const direct = await eventually(async () => {
      const { sessions } = await stack.phone.call('sync', { query: { since: 0 } });
      return sessions.find((s) => s.vendorResumeId === vendorId);
    }, 'the direct session to be listed');
    await stack.phone.call('takeOverSession', { id: direct.id });
    const m = await stack.phone.send(direct.id, 'continue there');
    const failed = await stack.phone.waitMessage(direct.id, m.id, (x) => x.state === 'failed', 'the message to fail');
    expect(failed.failure?.code).toBe('cwd-not-allowed');
    expect((await stack.fake.record('claude')).filter((r) => r.vendorId === vendorId)).toEqual([]);
    expect(stack.laptop.stderr).toMatch(new RegExp(`refusing to take over session ${direct.id}`));
  }, 30_000);
});
