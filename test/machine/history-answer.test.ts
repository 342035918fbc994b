// The daemon's answer to a history request: read only for sessions it listed or manages, typed otherwise.
import { expect, it } from 'vitest';
import type { Backend, MachineDown } from '../../src/core/index.ts';
import { answerHistory } from '../../src/machine/history-answer.ts';
import type { BackendDriver } from '../../src/machine/providers/backend.ts';
import { createMemoryDriver, createMemoryVendor } from '../../src/machine/providers/memory-driver.ts';

const vendor = createMemoryVendor();
vendor.persisted.add('v-known');
vendor.received.set('v-known', ['one', 'two']);
const drivers = new Map<Backend, BackendDriver>([['claude-stream', createMemoryDriver('claude-stream', vendor)]]);
const req = (vendorId: string, backend: Backend = 'claude-stream'): Extract<MachineDown, { type: 'history-request' }> =>
  ({ type: 'history-request', requestId: 'h1', sessionId: 's1' as never, backend, vendorId: vendorId as never, cwd: '/w', before: null, limit: 3 });

it('answers a page for a session this machine listed or manages, newest first page', async () => {
  const a = await answerHistory(req('v-known'), drivers, (id) => id === 'v-known');
  expect(a).toEqual({ type: 'history', requestId: 'h1', ok: true, page: { hasOlder: true, entries: [
    { index: 1, role: 'agent', text: 'echo: one', truncated: false, at: null },
    { index: 2, role: 'user', text: 'two', truncated: false, at: null },
    { index: 3, role: 'agent', text: 'echo: two', truncated: false, at: null },
  ] } });
});

it('refuses a vendor id it never listed nor manages (the server cannot pick what to read), and a backend it lacks', async () => {
  expect(await answerHistory(req('v-known'), drivers, () => false)).toMatchObject({ ok: false, code: 'vendor-not-found' });
  expect(await answerHistory(req('v-known', 'gemini-acp'), drivers, () => true)).toMatchObject({ ok: false, code: 'dependency-missing' });
});
