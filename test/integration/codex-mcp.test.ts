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

  await phone.call('stopSession', { id: s.id });
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

// Regression: a codex-mcp session's conversation is also a rollout in Codex's store, which the
// codex-app-server backend lists: it was shown twice (managed, and again as a direct session), because
// the daemon knew it only by its local id. The thread id Codex gives it is now on the daemon's record.
it('a codex-mcp conversation is listed once: its rollout is never shown as a direct session', async () => {
  const { phone, fake } = stack;
  const s = await phone.startSession('codex', 'codex-mcp');
  await phone.waitSession(s.id, (x) => x.status === 'active', 'the codex-mcp session to start');
  const m = await phone.send(s.id, 'listed once');
  await phone.waitMessage(s.id, m.id, (x) => x.state === 'answered', 'the codex-mcp turn');
  const thread = (await fake.record('codex')).filter((r) => r.event === 'created').at(-1)!.vendorId;
  // A later session's rollout proves a listing ran after this turn (the daemon lists every 500 ms here).
  const other = await phone.startSession('codex', 'codex-app-server');
  const om = await phone.send(other.id, 'a direct-listing marker');
  await phone.waitMessage(other.id, om.id, (x) => x.state === 'answered', 'the marker turn');
  await phone.call('stopSession', { id: other.id });
  await new Promise((r) => setTimeout(r, 1_500));
  const sync = await phone.call('sync', { query: { since: 0 } });
  expect(sync.sessions.filter((x) => x.vendorResumeId === thread), JSON.stringify(sync.sessions.map((x: any) => [x.id, x.backend, x.managed, x.vendorResumeId, x.vendorId]))).toEqual([]);
  expect(sync.sessions.filter((x) => x.id === s.id)).toHaveLength(1);
}, 60_000);
