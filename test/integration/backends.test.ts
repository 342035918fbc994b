// Every resumable backend, end to end with real processes: start → turn → stop → send from the phone →
// strict resume with the same vendor id → delivered → answered; and each fault ends in its typed failure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/core/index.ts';
import type { FakeProvider } from '../helpers/fake-env.ts';
import { liveSessionWithTurn, PROVIDER_OF, startStack, type Stack } from './stack.ts';

const RESUMABLE: Backend[] = ['claude-stream', 'codex-app-server', 'opencode-serve', 'gemini-acp'];
const FAULTS = [
  ['unknown-id', 'vendor-not-found'],
  ['other-id', 'vendor-id-mismatch'],
  ['crash-on-resume', 'vendor-error'],
  ['hang', 'timeout'],
] as const;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 60_000);
afterAll(async () => {
  if (process.env.BATON_TEST_DEBUG) process.stderr.write(stack?.laptop.stderr ?? "");
  await stack?.close();
});

describe.each(RESUMABLE)('%s', (backend) => {
  const provider = PROVIDER_OF(backend) as FakeProvider;

  it('stops, then a phone message strictly resumes the same vendor session and is delivered and answered', async () => {
    const { phone, fake } = stack;
    const s = await liveSessionWithTurn(stack, backend);
    expect(s.vendorResumeId).toBe(s.vendorId);

    await phone.call('stopSession', { id: s.id });
    await phone.waitSession(s.id, (x) => x.status === 'inactive' && x.availability.state === 'resumable', 'the session to be stopped and resumable');

    const m = await phone.send(s.id, 'two');
    expect(m.state).toBe('awaiting-resume');
    await phone.waitMessage(s.id, m.id, (x) => x.state === 'answered', 'the resumed message to be answered');
    const after = await phone.session(s.id);
    expect(after).toMatchObject({ status: 'active', vendorResumeId: s.vendorResumeId, lastResume: { state: 'resumed' } });
    expect((await phone.messages(s.id)).map((x) => x.text)).toContain('echo: two');

    const record = (await fake.record(provider)).filter((r) => r.vendorId === s.vendorId || r.requested === s.vendorId);
    expect(record.map((r) => r.event)).toEqual(['created', 'resumed']);
    await phone.call('stopSession', { id: s.id });
  }, 60_000);

  it.each(FAULTS)('a resume with fault %s fails as %s: session inactive, message failed, no vendor session created', async (fault, code) => {
    const { phone, fake } = stack;
    const s = await liveSessionWithTurn(stack, backend);
    await phone.call('stopSession', { id: s.id });
    await phone.waitSession(s.id, (x) => x.status === 'inactive', 'the session to stop');
    const createdBefore = (await fake.record(provider)).filter((r) => r.event === 'created').length;

    await fake.setFaults([fault]);
    try {
      const m = await phone.send(s.id, `with ${fault}`);
      const failed = await phone.waitMessage(s.id, m.id, (x) => x.state === 'failed', `the message to fail with ${code}`);
      // Regression: Claude's fork used to surface only when the message was written, leaving the attempt `resumed`;
      // its own registry now names the session before anything is written, so the attempt itself fails.
      expect(failed.failure?.code).toBe(code);
      expect((await phone.session(s.id)).lastResume).toMatchObject({ state: 'failed', code });
      expect(failed.text).toBe(`with ${fault}`);
      const after = await phone.session(s.id);
      expect(after.status).toBe('inactive');
      expect(after.vendorResumeId).toBe(s.vendorResumeId);
    } finally {
      await fake.setFaults([]);
    }
    expect((await fake.record(provider)).filter((r) => r.event === 'created').length).toBe(createdBefore);
  }, 60_000);
});
