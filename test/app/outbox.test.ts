// @vitest-environment node
// The phone's outbox: idempotent client ids, flush order, per-session and per-profile isolation, failure states.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { createApiClient } from '../../src/app/lib/api-client.ts';
import { openCache, type CacheDb } from '../../src/app/lib/cache-db.ts';
import { HOLD_LIMIT_MS } from '../../src/core/backoff.ts';
import {
  applyServerMessage,
  cancelMessage,
  canCancel,
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
    expect(offline.stoppedBy).toBe('network');
    expect((await db.get('outbox', item.clientId))).toMatchObject({ state: 'queued', attempts: 1, wait: { kind: 'network' } });

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

describe('outbox: waiting is a state, not a failure', () => {
  const refuse = (status: number, error: Record<string, unknown>) => (req: Recorded) => (req.method === 'POST' ? { status, body: { error } } : undefined);

  it('stays queued through 5xx and 429, remembering since when, and stops the flush (one request per flush)', async () => {
    const { db, fake, api } = await phone();
    let t = 1_000;
    const a = await enqueueMessage(db, 'S1', 'a', () => t);
    await enqueueMessage(db, 'S2', 'b', () => t);
    fake.handle(refuse(503, { kind: 'unavailable', message: 'restarting' }));
    expect((await flushOutbox(db, api, () => t)).stoppedBy).toBe('server');
    expect(posts(fake.calls)).toHaveLength(1);
    expect(await db.get('outbox', a.clientId)).toMatchObject({ state: 'queued', wait: { kind: 'server', status: 503, since: 1_000 } });
    t = 5_000;
    await flushOutbox(db, api, () => t);
    expect((await db.get('outbox', a.clientId))?.wait).toMatchObject({ since: 1_000 });
    fake.handle(refuse(429, { kind: 'rate-limited', message: 'too fast' }));
    expect((await flushOutbox(db, api, () => t)).stoppedBy).toBe('rate-limited');
    expect(await db.get('outbox', a.clientId)).toMatchObject({ state: 'queued', wait: { kind: 'rate-limited' } });
  });

  it('a server that holds nothing refuses machine-offline: the message waits for its machine, its session’s later ones wait behind it, others go', async () => {
    const { db, fake, api } = await phone();
    fake.handle((req) =>
      req.method === 'POST' && req.url.includes('/S1/')
        ? { status: 409, body: { error: { kind: 'blocked', message: 'x', reason: 'machine-offline', sentence: '“laptop” is not connected.', fix: 'Start `baton daemon`.', availability: { state: 'blocked', reason: 'machine-offline', detail: 'laptop' }, lastSeenAt: 42 } } }
        : undefined,
    );
    const first = await enqueueMessage(db, 'S1', 'one');
    await enqueueMessage(db, 'S2', 'other session');
    const second = await enqueueMessage(db, 'S1', 'two');
    const report = await flushOutbox(db, api);
    expect(report.stoppedBy).toBeNull();
    expect(posts(fake.calls).map((c) => (c.body as { text: string }).text)).toEqual(['one', 'other session']);
    expect(await db.get('outbox', first.clientId)).toMatchObject({ state: 'queued', wait: { kind: 'machine', machine: 'laptop', lastSeenAt: 42 } });
    expect(await db.get('outbox', second.clientId)).toMatchObject({ state: 'queued', attempts: 0 });
    // The machine is back: both go, in order, the first with its same client id.
    fake.handle(() => undefined);
    await flushOutbox(db, api);
    expect(posts(fake.calls).slice(2).map((c) => [(c.body as { clientId: string }).clientId, (c.body as { text: string }).text])).toEqual([[first.clientId, 'one'], [second.clientId, 'two']]);
  });

  for (const reason of ['archived', 'not-managed', 'missing-resume-id', 'backend-unsupported', 'backend-disabled', 'dependency-missing'] as const) {
    it(`a final refusal (${reason}) ends the message at once`, async () => {
      const { db, fake, api } = await phone();
      fake.handle(refuse(409, { kind: 'blocked', message: 'no', reason, sentence: `because ${reason}`, fix: 'fix it' }));
      const item = await enqueueMessage(db, 'S1', 'x');
      await flushOutbox(db, api);
      expect(await db.get('outbox', item.clientId)).toMatchObject({ state: 'failed', failure: { code: reason, detail: `because ${reason}` }, wait: null });
    });
  }

  it('a message the server holds is waiting (with until when); cancelling it there leaves it not delivered with its text', async () => {
    const { db, fake, api } = await phone();
    fake.handle((req) => {
      if (req.method !== 'POST') return undefined;
      const { clientId, text } = (req.body ?? {}) as { clientId: string; text: string };
      if (req.url.endsWith('/cancel')) return { status: 200, body: { message: { ...userMessage('S1', 'c-held', 'hold me', 1, 'failed'), failure: { code: 'cancelled', detail: 'called off' } } } };
      return { status: 202, body: { message: { ...userMessage('S1', clientId, text, 7, 'held'), heldUntil: 99_000 } } };
    });
    const item = await enqueueMessage(db, 'S1', 'hold me');
    await flushOutbox(db, api);
    const held = await db.get('outbox', item.clientId);
    expect(held).toMatchObject({ state: 'waiting', heldUntil: 99_000, seq: 7, messageId: `m-${item.clientId}` });
    expect(canCancel(held!)).toBe(true);
    // Held by the server: the phone does not send it again.
    await flushOutbox(db, api);
    expect(posts(fake.calls)).toHaveLength(1);
    // The server's answer to a cancel names the same client id; here the fake answers for "c-held".
    await db.put('outbox', { ...held!, clientId: 'c-held' });
    const after = await cancelMessage(db, api, 'c-held');
    expect(posts(fake.calls).at(-1)?.url).toBe(`http://laptop.test/api/sessions/S1/messages/m-${item.clientId}/cancel`);
    expect(after).toMatchObject({ state: 'failed', failure: { code: 'cancelled' }, text: 'hold me' });
  });

  it('gives up after the hold limit: not delivered, text kept, and never sent', async () => {
    const { db, fake, api } = await phone();
    const item = await enqueueMessage(db, 'S1', 'stale', () => 0);
    await flushOutbox(db, api, () => HOLD_LIMIT_MS);
    expect(posts(fake.calls)).toHaveLength(0);
    expect(await db.get('outbox', item.clientId)).toMatchObject({ state: 'failed', failure: { code: 'expired' }, text: 'stale' });
  });
});

describe('outbox: after the phone was away', () => {
  it('looks up messages the server took (held, resuming…) and applies what became of them', async () => {
    const { reconcileOutbox } = await import('../../src/app/stores/outbox-reconcile.ts');
    const { db, fake, api } = await phone();
    const item = await enqueueMessage(db, 'S1', 'while closed');
    await db.put('outbox', { ...item, state: 'waiting', messageId: `m-${item.clientId}`, seq: 7, attempts: 1 });
    fake.handle((req) => (req.method === 'GET' ? { status: 200, body: { messages: [userMessage('S1', item.clientId, 'while closed', 7, 'answered')], hasMore: false } } : undefined));
    await reconcileOutbox(db, api);
    expect(fake.calls.map((c) => c.url)).toEqual(['http://laptop.test/api/sessions/S1/messages?after=6&limit=200']);
    // Answered while the phone was closed: it leaves the outbox (the transcript has it).
    expect(await db.get('outbox', item.clientId)).toBeUndefined();
  });
});
