// End to end with the fakes playing what the real Claude Code 2.1.197 and Codex 0.171 do: the phone sees the truth.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectSlug } from '../../src/machine/providers/claude-stream/transcripts.ts';
import { eventually, liveSessionWithTurn, startStack, type Stack } from './stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ daemonEnv: { BATON_FAKE_TURN_MS: '4000' } });
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

async function stopped(backend: 'claude-stream' | 'codex-app-server') {
  const s = await liveSessionWithTurn(stack, backend);
  await stack.phone.call('stopSession', { id: s.id });
  await stack.phone.waitSession(s.id, (x) => x.status === 'inactive', 'the session to stop');
  return s;
}

describe('a resume that Claude turns into another session at its first turn', () => {
  // Regression: the attempt stayed `resumed` with no code, so the phone never said "last resume failed".
  it('fails the attempt vendor-id-mismatch, fails the message, stops the agent and leaves no fork transcript', async () => {
    const { phone, fake } = stack;
    const s = await stopped('claude-stream');
    await fake.setFaults(['init-other-id']);
    try {
      const m = await phone.send(s.id, 'must not land in a fork');
      const failed = await phone.waitMessage(s.id, m.id, (x) => x.state === 'failed', 'the message to fail');
      expect(failed.failure?.code).toBe('vendor-id-mismatch');
      const after = await phone.waitSession(s.id, (x) => x.lastResume?.state === 'failed', 'the attempt to be failed');
      expect(after.lastResume).toMatchObject({ state: 'failed', code: 'vendor-id-mismatch' });
      await phone.waitSession(s.id, (x) => x.status === 'inactive', 'the session to be inactive');
      expect(after.vendorResumeId).toBe(s.vendorResumeId);
    } finally {
      await fake.setFaults([]);
    }
    const fork = (await fake.record('claude')).find((r) => r.event === 'resumed' && r.requested === s.vendorResumeId)!.vendorId;
    const folder = join(fake.env.CLAUDE_CONFIG_DIR!, 'projects', projectSlug(fake.cwd));
    await eventually(async () => !readdirSync(folder).includes(`${fork}.jsonl`), 'the fork transcript to leave projects/');
    expect(existsSync(join(fake.env.CLAUDE_CONFIG_DIR!, 'baton-quarantine', `${fork}.jsonl`))).toBe(true);
  }, 60_000);
});

describe('a Claude session open in a plain terminal claude', () => {
  // Regression: a terminal's argv names no session, so Baton opened a second process on the same conversation.
  it('is session-in-use, seen through Claude\'s own registry of running sessions', async () => {
    const { phone, fake } = stack;
    const s = await stopped('claude-stream');
    const terminal = spawn('claude', [], { cwd: fake.cwd, env: fake.env, stdio: ['pipe', 'ignore', 'ignore'] });
    try {
      terminal.stdin!.write(`/resume ${s.vendorResumeId}\n`);
      await eventually(async () => existsSync(join(fake.env.CLAUDE_CONFIG_DIR!, 'sessions', `${terminal.pid}.json`)), 'the terminal to register');
      const before = await fake.record('claude');
      const m = await phone.send(s.id, 'while the terminal has it');
      const failed = await phone.waitMessage(s.id, m.id, (x) => x.state === 'failed', 'the message to fail');
      expect(failed.failure?.code).toBe('session-in-use');
      expect(failed.failure?.detail).toContain(`pid ${terminal.pid}: claude in a terminal`);
      expect(await fake.record('claude')).toEqual(before);
    } finally {
      terminal.kill('SIGTERM');
    }
  }, 60_000);
});

describe('turn outcomes the phone sees', () => {
  it('Claude not logged in: the message is unanswered auth-failed, and the CLI\'s line is not shown as the agent\'s answer', async () => {
    const { phone, fake } = stack;
    const s = await liveSessionWithTurn(stack, 'claude-stream');
    await fake.setFaults(['auth-failed']);
    try {
      const m = await phone.send(s.id, 'hello?');
      const done = await phone.waitMessage(s.id, m.id, (x) => x.state === 'unanswered', 'the message to be unanswered');
      expect(done.failure).toEqual({ code: 'auth-failed', detail: 'Not logged in · Please run /login' });
      expect((await phone.messages(s.id)).filter((x) => x.text.includes('Not logged in') && x.role !== 'user')).toEqual([]);
    } finally {
      await fake.setFaults([]);
    }
  }, 60_000);

  it('Codex retrying shows on the session as a retry notice until the turn moves on', async () => {
    const { phone, fake } = stack;
    const s = await liveSessionWithTurn(stack, 'codex-app-server');
    await fake.setFaults(['api-retry', 'slow-turn']);
    try {
      const m = await phone.send(s.id, 'while flaky');
      const retrying = await phone.waitSession(s.id, (x) => x.agentRetry?.attempt === 2, 'the retry notice');
      expect(retrying.agentRetry).toMatchObject({ attempt: 2, maxAttempts: 5 });
      await phone.waitMessage(s.id, m.id, (x) => x.state === 'answered', 'the turn to be answered');
      expect((await phone.session(s.id)).agentRetry).toBeNull();
    } finally {
      await fake.setFaults([]);
    }
  }, 60_000);

  it('an interrupted Claude turn is unanswered "interrupted", never the CLI\'s diagnostic', async () => {
    const { phone, fake } = stack;
    const s = await liveSessionWithTurn(stack, 'claude-stream');
    await fake.setFaults(['slow-turn']);
    try {
      const m = await phone.send(s.id, 'take your time');
      await phone.waitMessage(s.id, m.id, (x) => x.state === 'delivered', 'the message to be delivered');
      await phone.call('interruptSession', { id: s.id });
      const done = await phone.waitMessage(s.id, m.id, (x) => x.state === 'unanswered', 'the message to be unanswered');
      expect(done.failure?.code).toBe('interrupted');
      expect(JSON.stringify(await phone.messages(s.id))).not.toContain('ede_diagnostic');
    } finally {
      await fake.setFaults([]);
    }
  }, 60_000);
});
