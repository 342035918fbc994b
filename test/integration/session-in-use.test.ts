// A vendor session open in another process is never reopened a second time (that would fork it), and
// agents a killed daemon left behind are stopped by the next one instead of running on beside it.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, liveSessionWithTurn, startStack, type Stack } from './stack.ts';
import { processesUsing } from '../../src/machine/process-scan.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Stands in for `claude --resume <id>` left open in the user's terminal: a process whose command line names the session. */
function terminalHolding(vendorId: string): ChildProcess {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'claude', '--resume', vendorId], { stdio: 'ignore' });
}

describe('a vendor session open elsewhere', () => {
  it('fails the resume as session-in-use, creates nothing, and resumes once the other process is gone', async () => {
    const { phone, fake } = stack;
    const s = await liveSessionWithTurn(stack, 'claude-stream');
    await phone.call('stopSession', { id: s.id });
    await phone.waitSession(s.id, (x) => x.status === 'inactive', 'the session to stop');
    const before = await fake.record('claude');

    const terminal = terminalHolding(s.vendorResumeId);
    try {
      await eventually(async () => processesUsing(s.vendorResumeId).some((p) => p.pid === terminal.pid), 'the terminal process to be visible');
      const m = await phone.send(s.id, 'while the terminal has it');
      const failed = await phone.waitMessage(s.id, m.id, (x) => x.state === 'failed', 'the message to fail');
      expect(failed.failure?.code).toBe('session-in-use');
      expect(failed.failure?.detail).toContain(`pid ${terminal.pid}`);
      expect((await phone.session(s.id)).status).toBe('inactive');
      // The fake Claude was not even started: no session created, none resumed.
      expect(await fake.record('claude')).toEqual(before);
    } finally {
      terminal.kill('SIGKILL');
    }

    await eventually(async () => !alive(terminal.pid!), 'the terminal process to end');
    const again = await phone.send(s.id, 'after closing the terminal');
    await phone.waitMessage(s.id, again.id, (x) => x.state === 'answered', 'the resumed turn to be answered');
    const after = await fake.record('claude');
    expect(after.filter((r) => r.event === 'created').length).toBe(before.filter((r) => r.event === 'created').length);
  }, 60_000);
});

describe('agents left behind by a killed daemon', () => {
  it('are stopped by the next daemon, and the session resumes with the same id', async () => {
    const { phone, fake, laptop } = stack;
    const s = await liveSessionWithTurn(stack, 'opencode-serve');
    const agentsBefore = new Set(await fake.livePids());
    await laptop.kill();
    // `opencode serve` is an HTTP server: losing its parent does not end it.
    const orphans = (await fake.livePids()).filter((pid) => agentsBefore.has(pid));
    expect(orphans.length).toBeGreaterThan(0);

    laptop.restart();
    await eventually(async () => orphans.every((pid) => !alive(pid)), 'the orphaned agents to be stopped', 15_000);
    await eventually(async () => (await stack.machine()).online, 'the laptop to come back');

    const m = await phone.send(s.id, 'after the daemon came back');
    await phone.waitMessage(s.id, m.id, (x) => x.state === 'answered', 'the resumed turn to be answered');
    expect((await phone.session(s.id)).vendorResumeId).toBe(s.vendorResumeId);
  }, 60_000);
});
