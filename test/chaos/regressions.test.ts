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
        await phone.call('answerPermission', { id: s.id, permissionId: ask.permission!.permissionId, body: { decision: 'allow' } });
        await phone.waitMessage(s.id, m.id, (x) => x.state === 'answered', 'the turn to end after the answer');
      };
      await answerNext('first agent process');
      await phone.call('stopSession', { id: s.id });
      await phone.waitSession(s.id, (x) => x.status === 'inactive', 'the session to stop');
      await answerNext('second agent process, after a resume');
    } finally {
      await fake.setFaults([]);
    }
  }, 60_000);

  // Regression: a `turn-end` marked every `delivered` message of the session `answered`, also one written to an
  // agent that crashed before answering it; the next agent's (after a resume) turn-end then claimed it answered.
  it('a message whose agent crashed mid-turn is unanswered (turn-lost), not answered by a resumed agent’s next turn', async () => {
    const { phone, fake } = stack;
    const s = await liveSessionWithTurn(stack, 'claude-stream');
    await fake.setFaults(['crash-on-turn']);
    let lost: MessageRecord;
    try {
      lost = await phone.send(s.id, 'taken by an agent that crashes');
      await phone.waitSession(s.id, (x) => x.status === 'inactive', 'the crashed agent to be reported');
    } finally {
      await fake.setFaults([]);
    }
    const next = await phone.send(s.id, 'after the resume');
    await phone.waitMessage(s.id, next.id, (x) => x.state === 'answered', 'the resumed agent to answer');
    const [after] = (await phone.messages(s.id)).filter((x) => x.id === lost.id);
    expect(after).toMatchObject({ state: 'unanswered', failure: { code: 'turn-lost' } });
  }, 60_000);
});
