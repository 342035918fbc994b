// Regressions the chaos soak found, each pinned down as a plain behaviour test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../src/core/index.ts';
import { eventually, liveSessionWithTurn, startStack, type Stack } from '../integration/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

describe('found by the chaos soak', () => {
  // Regression: codex permission ids were the JSON-RPC request id (`codex-0`), which every new agent process
  // starts again from 0. After a resume the phone's answer hit the old, answered request (409) and the turn hung.
  it('a resumed codex session asks permission again and the phone can answer it', async () => {
    const { phone, fake } = stack;
    const s = await liveSessionWithTurn(stack, 'codex-app-server');
    await fake.setFaults(['permission']);
    try {
      const answerNext = async (text: string) => {
        const m = await phone.send(s.id, text);
        const ask = await eventually(async () => (await phone.messages(s.id)).find((x): x is MessageRecord => x.role === 'permission' && x.seq > m.seq && x.permission?.decision === null), 'a permission request');
        await phone.post(`/api/sessions/${s.id}/permissions/${ask.permission!.permissionId}`, { decision: 'allow' });
        await phone.waitMessage(s.id, m.id, (x) => x.state === 'answered', 'the turn to end after the answer');
      };
      await answerNext('first agent process');
      await phone.post(`/api/sessions/${s.id}/stop`);
      await phone.waitSession(s.id, (x) => x.status === 'inactive', 'the session to stop');
      await answerNext('second agent process, after a resume');
    } finally {
      await fake.setFaults([]);
    }
  }, 60_000);
});
