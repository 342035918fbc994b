// @vitest-environment node
// The phone's outbox: idempotent client ids, flush order, per-session and per-profile isolation, failure states.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { createApiClient } from '../../src/app/lib/api-client.ts';
import { openCache, type CacheDb } from '../../src/app/lib/cache-db.ts';
import {
  applyServerMessage,
  discardMessage,
  editMessage,
  enqueueMessage,
  flushOutbox,
  listOutbox,
  retryMessage,
} from '../../src/app/stores/outbox.ts';
import { createFakeApi, userMessage, type Recorded } from './fake-api.ts';

let n = 0;
async function phone(server = 'http://laptop.test') {
  const db = await openCache(`outbox-${++n}`);
  const fake = createFakeApi();
  const api = createApiClient({ server, token: `token-${n}`, fetch: fake.fetch });
  return { db, fake, api };
}
const posts = (calls: Recorded[]) => calls.filter((c) => c.method === 'POST');
const state = async (db: CacheDb, clientId: string) => (await db.get('outbox', clientId))?.state;

describe('outbox', () => {
  it('keeps a message queued on the phone while offline and sends it exactly once when the network returns', async () => {
    const { db, fake, api } = await phone();
    fake.handle(() => 'network-down');
    const item = await enqueueMessage(db, 'S1', 'fix the tests');
    const offline = await flushOutbox(db, api);
    expect(offline.stoppedBy).toMatch(/network/i);
    expect((await db.get('outbox', item.clientId))).toMatchObject({ state: 'queued', attempts: 1, lastError: expect.stringMatching(/network/i) });

    fake.handle(() => undefined);
    await flushOutbox(db, api);
    await flushOutbox(db, api); // a second trigger (foreground after online) must not send again
    // One attempt lost to the network, one accepted, none after that — all with the same client id.
    expect(posts(fake.calls).map((c) => (c.body as { clientId: string }).clientId)).toEqual([item.clientId, item.clientId]);
    expect(fake.stored.size).toBe(1);
    expect(await state(db, item.clientId)).toBe('sending');
  });

  it('reuses the same client id when a sent message got no answer (server may already hold it)', async () => {
    const { db, fake, api } = await phone();
    let first = true;
    // The server stores it but the reply is lost on the way back.
    fake.handle((req) => {
      if (req.method === 'POST' && first) {
        first = false;
        const { clientId, text } = req.body as { clientId: string; text: string };
        fake.stored.set(clientId, userMessage('S1', clientId, text, 1));
        return 'network-down';
      }
      return undefined;
    });
    const item = await enqueueMessage(db, 'S1', 'hello');
    await flushOutbox(db, api);
    await flushOutbox(db, api);
    const ids = posts(fake.calls).map((c) => (c.body as { clientId: string }).clientId);
    expect(ids).toEqual([item.clientId, item.clientId]);
    expect(fake.stored.size).toBe(1);
    expect(await db.get('outbox', item.clientId)).toMatchObject({ state: 'sending', messageId: `m-${item.clientId}` });
  });

  it('sends in the order the user wrote, each to its own session', async () => {
    const { db, fake, api } = await phone();
    const a = await enqueueMessage(db, 'S1', 'one');
    const b = await enqueueMessage(db, 'S2', 'two');
    const c = await enqueueMessage(db, 'S1', 'three');
    await flushOutbox(db, api);
    expect(posts(fake.calls).map((r) => [r.url, (r.body as { clientId: string; text: string }).text])).toEqual([
      ['http://laptop.test/api/sessions/S1/messages', 'one'],
      ['http://laptop.test/api/sessions/S2/messages', 'two'],
      ['http://laptop.test/api/sessions/S1/messages', 'three'],
    ]);
    expect((await listOutbox(db, 'S1')).map((i) => i.clientId)).toEqual([a.clientId, c.clientId]);
    expect((await listOutbox(db, 'S2')).map((i) => i.clientId)).toEqual([b.clientId]);
  });

  it('never sends one profile’s queued message to another profile’s server', async () => {
    const laptop = await phone('http://laptop.test');
    const devbox = await phone('http://devbox.test');
    await enqueueMessage(laptop.db, 'S1', 'for the laptop');
    await enqueueMessage(devbox.db, 'S9', 'for the dev box');
    await flushOutbox(laptop.db, laptop.api);
    expect(posts(laptop.fake.calls).map((c) => [c.url, c.auth])).toEqual([['http://laptop.test/api/sessions/S1/messages', `Bearer token-${n - 1}`]]);
    expect(devbox.fake.calls).toHaveLength(0);
    expect(await listOutbox(devbox.db)).toMatchObject([{ state: 'queued', text: 'for the dev box' }]);
  });

  it('runs one flush at a time, so overlapping triggers never send a message twice', async () => {
    const { db, fake, api } = await phone();
    await enqueueMessage(db, 'S1', 'a');
    await enqueueMessage(db, 'S1', 'b');
    await Promise.all([flushOutbox(db, api), flushOutbox(db, api), flushOutbox(db, api)]);
    expect(posts(fake.calls).map((c) => (c.body as { text: string }).text)).toEqual(['a', 'b']);
  });

  it('a blocked session fails the message with its reason and sentence, keeping the text', async () => {
    const { db, fake, api } = await phone();
    fake.handle((req) =>
      req.method === 'POST'
        ? { status: 409, body: { error: { kind: 'blocked', message: 'blocked', reason: 'archived', sentence: 'This session is archived, and archived sessions are never resumed.', fix: 'Unarchive it to continue.' } } }
        : undefined,
    );
    const item = await enqueueMessage(db, 'S1', 'keep me');
    const report = await flushOutbox(db, api);
    expect(report.stoppedBy).toBeNull();
    expect(await db.get('outbox', item.clientId)).toMatchObject({
      state: 'failed',
      text: 'keep me',
      failure: { code: 'archived', detail: 'This session is archived, and archived sessions are never resumed.' },
    });
    // A failed message is not sent again by itself.
    await flushOutbox(db, api);
    expect(posts(fake.calls)).toHaveLength(1);
  });

  it('follows the server through resuming → failed (resume failure) with the code, and retry after that uses a new client id', async () => {
    const { db, fake, api } = await phone();
    fake.handle((req) => {
      if (req.method !== 'POST') return undefined;
      const { clientId, text } = req.body as { clientId: string; text: string };
      return { status: 202, body: { message: userMessage('S1', clientId, text, 1, 'awaiting-resume') } };
    });
    const item = await enqueueMessage(db, 'S1', 'continue');
    await flushOutbox(db, api);
    expect(await state(db, item.clientId)).toBe('resuming');

    await applyServerMessage(db, { ...userMessage('S1', item.clientId, 'continue', 1, 'failed'), failure: { code: 'vendor-not-found', detail: 'no rollout found' }, updatedAt: 5 });
    expect(await db.get('outbox', item.clientId)).toMatchObject({ state: 'failed', failure: { code: 'vendor-not-found', detail: 'no rollout found' } });

    const again = await retryMessage(db, item.clientId);
    expect(again?.clientId).not.toBe(item.clientId);
    expect(again).toMatchObject({ state: 'queued', text: 'continue', attempts: 0 });
    expect(await db.get('outbox', item.clientId)).toBeUndefined();
    await flushOutbox(db, api);
    expect(posts(fake.calls).map((c) => (c.body as { clientId: string }).clientId)).toEqual([item.clientId, again!.clientId]);
  });

  it('moves delivered → answered from server messages, and an answered message leaves the outbox', async () => {
    const { db, api } = await phone();
    const item = await enqueueMessage(db, 'S1', 'go');
    await flushOutbox(db, api);
    await applyServerMessage(db, userMessage('S1', item.clientId, 'go', 1, 'delivered'));
    expect(await state(db, item.clientId)).toBe('delivered');
    await applyServerMessage(db, userMessage('S1', item.clientId, 'go', 1, 'answered'));
    expect(await db.get('outbox', item.clientId)).toBeUndefined();
  });

  it('keeps a delivered message whose turn ended unanswered, with the reason, and retries it under a new client id', async () => {
    const { db, api } = await phone();
    const item = await enqueueMessage(db, 'S1', 'go');
    await flushOutbox(db, api);
    await applyServerMessage(db, { ...userMessage('S1', item.clientId, 'go', 1, 'unanswered'), failure: { code: 'auth-failed', detail: 'Not logged in' } });
    expect(await db.get('outbox', item.clientId)).toMatchObject({ state: 'unanswered', failure: { code: 'auth-failed' } });
    const again = await retryMessage(db, item.clientId);
    expect(again).toMatchObject({ state: 'queued', text: 'go' });
    expect(again?.clientId).not.toBe(item.clientId);
  });

  it('ignores a server message with the same client id from another session', async () => {
    const { db } = await phone();
    const item = await enqueueMessage(db, 'S1', 'mine');
    await applyServerMessage(db, userMessage('S2', item.clientId, 'not mine', 1, 'answered'));
    expect(await state(db, item.clientId)).toBe('queued');
  });

  it('edits a never-sent message in place, refuses to edit one the server may hold, and discards', async () => {
    const { db, fake, api } = await phone();
    const fresh = await enqueueMessage(db, 'S1', 'typo');
    const edited = await editMessage(db, fresh.clientId, 'fixed');
    expect(edited).toMatchObject({ clientId: fresh.clientId, text: 'fixed' });

    fake.handle(() => 'network-down');
    await flushOutbox(db, api);
    // Sent once with no answer: editing could deliver both texts, so it is refused.
    expect(await editMessage(db, fresh.clientId, 'other')).toBeNull();
    expect(await discardMessage(db, fresh.clientId)).toBe(true);
    expect(await listOutbox(db)).toEqual([]);
  });
});
