// Upgrading a database written under the old rule: a message whose agent went away mid-turn stayed `delivered` for
// ever, and a request its agent asked stayed open. Migration 21 ends them as the step does now.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { MessageRecord } from '../../src/core/index.ts';
import { startTestServer, tempHome, waitFor, type TestServer } from '../helpers/server-harness.ts';
import { liveSession, messagesOf } from './fixtures.ts';

let ts: TestServer | null = null;
afterEach(async () => {
  await ts?.stop();
  ts = null;
});

it('a lost turn stored as delivered ends unanswered (turn-lost); an open request of an inactive session expires', async () => {
  const home = tempHome(); // given, so it outlives the first server
  ts = await startTestServer({ home });
  const laptop = ts.machine('laptop');
  await laptop.connect();
  const s = await liveSession(ts, laptop);
  const sent = await ts.phone.route('sendMessage', { id: s.id, body: { clientId: 'c-lost', text: 'refactor it' } });
  const deliver = await laptop.next('deliver', (m) => m.sessionId === s.id);
  laptop.ack(s.id, deliver.messageId);
  laptop.event(s.id, 'ask-1', { kind: 'permission-request', permissionId: 'perm_1', tool: 'Bash', input: 'make clean' });
  await waitFor(async () => {
    const ms = await messagesOf(ts!, s.id);
    return ms.some((m) => m.id === sent.body.message.id && m.state === 'delivered') && ms.some((m) => m.role === 'permission');
  }, 'the message delivered and the request stored');
  await laptop.disconnect();
  await ts.stop();
  ts = null;

  // What the old code left behind: the agent gone, its message delivered with a lost turn, its request open.
  const db = new Database(join(home, 'baton.db'));
  db.prepare("UPDATE sessions SET status = 'inactive', awaiting_permission = 0 WHERE id = ?").run(s.id);
  db.prepare("UPDATE messages SET state = 'delivered', turn_lost = 1, failure_code = NULL, failure_detail = NULL WHERE id = ?").run(sent.body.message.id);
  db.prepare("UPDATE messages SET permission = json_set(permission, '$.decision', json('null')) WHERE session_id = ? AND role = 'permission'").run(s.id);
  db.prepare('DELETE FROM migrations WHERE id = 21').run();
  db.close();

  ts = await startTestServer({ home });
  const messages: MessageRecord[] = await messagesOf(ts, s.id);
  const lost = messages.find((m) => m.id === sent.body.message.id)!;
  expect(lost).toMatchObject({ state: 'unanswered', failure: { code: 'turn-lost' } });
  expect(lost.updatedAt).toBeGreaterThan(sent.body.message.updatedAt);
  expect(messages.find((m) => m.role === 'permission')!.permission).toMatchObject({ permissionId: 'perm_1', decision: 'expired' });
});
