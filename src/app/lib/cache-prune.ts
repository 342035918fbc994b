// Keeps a profile's IndexedDB cache bounded: the newest messages of each session, full transcripts only for
// the most recent archived sessions, nothing for sessions the server no longer lists. The server keeps everything;
// an older page the cache dropped is fetched again when scrolled to (see stores/transcript.ts loadOlder).
import type { SessionRecord } from '../../core/records.ts';
import type { CacheDb } from './cache-db.ts';

export interface PruneLimits {
  /** Newest messages kept per session. */
  readonly messagesPerSession: number;
  /** Archived sessions (most recently active first) whose messages are kept; the others keep none. */
  readonly archivedTranscripts: number;
}

export const DEFAULT_PRUNE_LIMITS: PruneLimits = { messagesPerSession: 500, archivedTranscripts: 20 };

export interface PruneReport {
  readonly deletedMessages: number;
  /** Sessions whose oldest messages were dropped. */
  readonly trimmedSessions: number;
  /** Archived sessions whose whole transcript was dropped from the cache. */
  readonly droppedArchived: number;
  /** Messages of sessions the cache no longer has. */
  readonly orphanMessages: number;
}

/** One past every seq: the upper bound of a session's key range. */
const TOP = Number.MAX_SAFE_INTEGER;

export async function pruneCache(db: CacheDb, limits: PruneLimits = DEFAULT_PRUNE_LIMITS): Promise<PruneReport> {
  const sessions = await db.getAll('sessions');
  const byId = new Map(sessions.map((s) => [s.id, s]));
  const archived = sessions.filter((s) => s.archived).sort(newestFirst);
  const dropWhole = new Set(archived.slice(Math.max(0, limits.archivedTranscripts)).map((s) => s.id));

  let deletedMessages = 0;
  let trimmedSessions = 0;
  let droppedArchived = 0;
  let orphanMessages = 0;
  for (const sessionId of await cachedSessionIds(db)) {
    const session = byId.get(sessionId);
    if (!session || dropWhole.has(sessionId)) {
      const n = await deleteRange(db, sessionId, 0, TOP);
      deletedMessages += n;
      if (!session) orphanMessages += n;
      else if (n > 0) droppedArchived++;
      continue;
    }
    const cut = await seqBeforeNewest(db, sessionId, limits.messagesPerSession);
    if (cut === null) continue;
    const n = await deleteRange(db, sessionId, 0, cut);
    deletedMessages += n;
    if (n > 0) trimmedSessions++;
  }
  return { deletedMessages, trimmedSessions, droppedArchived, orphanMessages };
}

const newestFirst = (a: SessionRecord, b: SessionRecord) => b.lastActivityAt - a.lastActivityAt;

/** Every session id that has messages in the cache, walking the index one session at a time. */
async function cachedSessionIds(db: CacheDb): Promise<string[]> {
  const ids: string[] = [];
  const index = db.transaction('messages').store.index('bySessionSeq');
  let cursor = await index.openKeyCursor();
  while (cursor) {
    const sessionId = (cursor.key as [string, number])[0];
    ids.push(sessionId);
    cursor = await cursor.continue([sessionId, Infinity]);
  }
  return ids;
}

/** The seq of the newest message that falls outside the newest `keep`, or null when there are no more than `keep`. */
async function seqBeforeNewest(db: CacheDb, sessionId: string, keep: number): Promise<number | null> {
  const index = db.transaction('messages').store.index('bySessionSeq');
  const range = IDBKeyRange.bound([sessionId, 0], [sessionId, TOP]);
  if ((await index.count(range)) <= keep) return null;
  let cursor = await index.openKeyCursor(range, 'prev');
  if (cursor && keep > 0) cursor = await cursor.advance(keep);
  return cursor ? (cursor.key as [string, number])[1] : null;
}

async function deleteRange(db: CacheDb, sessionId: string, from: number, to: number): Promise<number> {
  const tx = db.transaction('messages', 'readwrite');
  let n = 0;
  let cursor = await tx.store.index('bySessionSeq').openCursor(IDBKeyRange.bound([sessionId, from], [sessionId, to]));
  while (cursor) {
    await cursor.delete();
    n++;
    cursor = await cursor.continue();
  }
  await tx.done;
  return n;
}
