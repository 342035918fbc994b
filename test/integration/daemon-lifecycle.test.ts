// The laptop's daemon as a real child process: killed and restarted, missing a provider, relaying permissions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../src/core/index.ts';
import { eventually, liveSessionWithTurn, pathWith, refusal, startStack, type Stack } from './stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 60_000);
afterAll(async () => {
  if (process.env.BATON_TEST_DEBUG) process.stderr.write(stack?.laptop.stderr ?? '');
  await stack?.close();
});

describe('laptop daemon lifecycle', () => {
  it('relays a permission request to the phone and the answer back, allow then deny', async () => {
    const { phone, fake } = stack;
    const s = await liveSessionWithTurn(stack, 'claude-stream');
    await fake.setFaults(['permission']);
    try {
      for (const decision of ['allow', 'deny'] as const) {
        const m = await phone.send(s.id, `may I (${decision})`);
        const ask = await eventually(async () => (await phone.messages(s.id)).find((x): x is MessageRecord => x.role === 'permission' && x.seq > m.seq && x.permission?.decision === null), 'a permission request');
        expect(ask.permission).toMatchObject({ tool: 'Bash', input: expect.stringContaining('ls') });
        expect((await phone.session(s.id)).awaitingPermission).toBe(true);
        await phone.call('answerPermission', { id: s.id, permissionId: ask.permission!.permissionId, body: { decision } });
        await phone.waitMessage(s.id, m.id, (x) => x.state === 'answered', 'the turn to end after the answer');
        const texts = (await phone.messages(s.id)).filter((x) => x.role === 'agent' && x.seq > m.seq).map((x) => x.text);
        expect(texts.join('\n')).toContain(decision === 'allow' ? 'allowed' : 'denied');
      }
    } finally {
      await fake.setFaults([]);
    }
    await phone.call('stopSession', { id: s.id });
  }, 60_000);

  it('a killed daemon makes the machine offline within seconds; a message sent meanwhile is held, and the restarted daemon resumes the same id for it', async () => {
    const { phone, laptop, fake } = stack;
    const s = await liveSessionWithTurn(stack, 'codex-app-server');

    await laptop.kill();
    await eventually(async () => !(await stack.machine()).online, 'the laptop to go offline', 8_000);
    const offline = await phone.session(s.id);
    expect(offline.availability).toMatchObject({ state: 'blocked', reason: 'machine-offline' });
    // The server holds it for the laptop (docs/api.md, Held messages) instead of refusing it.
    const away = await phone.send(s.id, 'while away');
    expect(away.state).toBe('held');

    laptop.restart();
    await eventually(async () => (await stack.machine()).online, 'the laptop to come back');
    // Its hello releases the held message into a strict resume of the same vendor session, through the real daemon.
    await phone.waitMessage(s.id, away.id, (x) => x.state === 'answered', 'the held message to be answered after the resume');
    const m = await phone.send(s.id, 'after restart');
    await phone.waitMessage(s.id, m.id, (x) => x.state === 'answered', 'the message to be answered after a resume');
    expect((await phone.session(s.id)).vendorResumeId).toBe(s.vendorResumeId);
    const mine = (await fake.record('codex')).filter((r) => r.vendorId === s.vendorId);
    expect(mine.map((r) => r.event)).toEqual(['created', 'resumed']);
    await phone.call('stopSession', { id: s.id });
  }, 60_000);

  it('a provider that is not installed on the laptop blocks its sessions with dependency-missing', async () => {
    const { phone, laptop, fake } = stack;
    const s = await liveSessionWithTurn(stack, 'gemini-acp');
    await phone.call('stopSession', { id: s.id });
    await phone.waitSession(s.id, (x) => x.status === 'inactive', 'the session to stop');

    // The laptop restarts without gemini on its PATH.
    await laptop.kill();
    laptop.restart({ PATH: pathWith(fake.root, ['claude', 'codex', 'opencode']) });
    const blocked = await phone.waitSession(s.id, (x) => x.availability.state === 'blocked' && x.availability.reason === 'dependency-missing', 'dependency-missing');
    expect(blocked.availability).toMatchObject({ state: 'blocked', reason: 'dependency-missing' });
    const refused = await refusal(phone.send(s.id, 'no gemini here'));
    expect(refused.body).toMatchObject({ kind: 'blocked', reason: 'dependency-missing' });

    // A new gemini session cannot start there either, and nothing is created.
    expect((await refusal(phone.startSession('gemini', 'gemini-acp'))).body).toMatchObject({ kind: 'blocked', reason: 'dependency-missing' });
    expect((await fake.record('gemini')).filter((r) => r.event === 'created')).toHaveLength(1);

    await laptop.kill();
    laptop.restart();
    await eventually(async () => (await stack.machine()).online, 'the laptop to come back with gemini');
  }, 60_000);
});
