// A codex-mcp session runs, but can never be resumed: the phone is told backend-unsupported.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiError } from '../../src/cli/lib/api-client.ts';
import { startStack, type Stack } from './stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

it('a codex-mcp session takes turns while live, and once stopped reports backend-unsupported', async () => {
  const { phone, fake } = stack;
  const s = await phone.startSession('codex', 'codex-mcp');
  await phone.waitSession(s.id, (x) => x.status === 'active' && !!x.vendorId, 'the codex-mcp session to start');
  const m = await phone.send(s.id, 'one');
  await phone.waitMessage(s.id, m.id, (x) => x.state === 'answered', 'the codex-mcp turn');

  await phone.post(`/api/sessions/${s.id}/stop`);
  const stopped = await phone.waitSession(s.id, (x) => x.status === 'inactive', 'the session to stop');
  // codex-mcp never has a resume id; the reason shown is that the backend cannot resume at all.
  expect(stopped.vendorResumeId).toBeNull();
  expect(stopped.availability).toMatchObject({ state: 'blocked', reason: 'backend-unsupported' });
  const created = (await fake.record('codex')).filter((r) => r.event === 'created').length;
  const err = await phone.send(s.id, 'two').then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  expect((err as ApiError).body).toMatchObject({ kind: 'blocked', reason: 'backend-unsupported' });
  expect((await fake.record('codex')).filter((r) => r.event === 'created').length).toBe(created);
}, 60_000);
