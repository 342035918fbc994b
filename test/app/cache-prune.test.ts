// @vitest-environment node
// The phone's cache stays bounded: newest N messages per session, transcripts of the most recent archived sessions only.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openCache, readLatestMessages, writeMessages, type CacheDb } from '../../src/app/lib/cache-db.ts';
import { pruneCache } from '../../src/app/lib/cache-prune.ts';
import { enqueueMessage, listOutbox } from '../../src/app/stores/outbox.ts';
import { agentMessage, session } from './records.ts';

let n = 0;
const phoneCache = () => openCache(`prune-${++n}`);
const seqs = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
async function cacheSession(db: CacheDb, id: string, messages: number, over: Parameters<typeof session>[0] = {}): Promise<void> {
  await db.put('sessions', session({ id, ...over }));
  await writeMessages(db, seqs(1, messages).map((s) => agentMessage(id, s)));
}
const countOf = async (db: CacheDb, id: string) => db.countFromIndex('messages', 'bySessionSeq', IDBKeyRange.bound([id, 0], [id, Number.MAX_SAFE_INTEGER]));

describe('cache pruning', () => {
  it('keeps the newest N messages of each session and drops the older ones', async () => {
    const db = await phoneCache();
    await cacheSession(db, 'long', 120);
    await cacheSession(db, 'short', 10);
    const report = await pruneCache(db, { messagesPerSession: 50, archivedTranscripts: 5 });
    expect(report).toEqual({ deletedMessages: 70, trimmedSessions: 1, droppedArchived: 0, orphanMessages: 0 });
    expect((await readLatestMessages(db, 'long', 1000)).map((m) => m.seq)).toEqual(seqs(71, 120));
    expect(await countOf(db, 'short')).toBe(10);
    // Nothing left to do the second time.
    expect((await pruneCache(db, { messagesPerSession: 50, archivedTranscripts: 5 })).deletedMessages).toBe(0);
  });

  it('keeps transcripts only for the most recently active archived sessions; their records stay listed', async () => {
    const db = await phoneCache();
    await cacheSession(db, 'old-archived', 5, { archived: true, lastActivityAt: 100 });
    await cacheSession(db, 'mid-archived', 5, { archived: true, lastActivityAt: 200 });
    await cacheSession(db, 'new-archived', 5, { archived: true, lastActivityAt: 300 });
    await cacheSession(db, 'active-but-older', 5, { archived: false, lastActivityAt: 50 });
    const report = await pruneCache(db, { messagesPerSession: 100, archivedTranscripts: 2 });
    expect(report).toMatchObject({ deletedMessages: 5, droppedArchived: 1 });
    expect(await countOf(db, 'old-archived')).toBe(0);
    expect(await countOf(db, 'mid-archived')).toBe(5);
    expect(await countOf(db, 'new-archived')).toBe(5);
    expect(await countOf(db, 'active-but-older')).toBe(5);
    expect((await db.getAll('sessions')).map((s) => s.id).sort()).toEqual(['active-but-older', 'mid-archived', 'new-archived', 'old-archived']);
  });

  it('drops messages of sessions the cache no longer has, and never touches the outbox', async () => {
    const db = await phoneCache();
    await cacheSession(db, 'kept', 3);
    await writeMessages(db, seqs(1, 4).map((s) => agentMessage('gone', s)));
    const queued = await enqueueMessage(db, 'gone', 'still mine to send or discard');
    const report = await pruneCache(db, { messagesPerSession: 100, archivedTranscripts: 0 });
    expect(report).toMatchObject({ deletedMessages: 4, orphanMessages: 4 });
    expect(await countOf(db, 'gone')).toBe(0);
    expect(await countOf(db, 'kept')).toBe(3);
    expect((await listOutbox(db)).map((i) => i.clientId)).toEqual([queued.clientId]);
  });

  it('stays bounded however much is written: sessions × N at most after each prune', async () => {
    const db = await phoneCache();
    const limits = { messagesPerSession: 30, archivedTranscripts: 1 };
    for (const id of ['a', 'b', 'c']) await db.put('sessions', session({ id, archived: id === 'c', lastActivityAt: id === 'c' ? 1 : 10 }));
    for (let round = 0; round < 6; round++) {
      for (const id of ['a', 'b', 'c']) await writeMessages(db, seqs(round * 25 + 1, round * 25 + 25).map((s) => agentMessage(id, s)));
      await pruneCache(db, limits);
      expect(await db.count('messages')).toBeLessThanOrEqual(3 * limits.messagesPerSession);
    }
    // The newest are the ones kept.
    expect((await readLatestMessages(db, 'a', 1000)).map((m) => m.seq)).toEqual(seqs(121, 150));
  });
});
