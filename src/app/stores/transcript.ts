// One session's transcript: painted from the cache, caught up by seq, paged backwards on scroll, streamed live.
import { atom } from 'nanostores';
import type { MessageRecord } from '../../core/records.ts';
import type { ApiClient } from '../lib/api-client.ts';
import { mergeMessages as merge } from '../lib/merge-messages.ts';
import { readLatestMessages, readMessages, writeMessages, type CacheDb } from '../lib/cache-db.ts';

export const PAGE = 50;
/** `before` larger than any seq: "the newest page". */
const NEWEST = 999_999_999_999_999;

export interface Transcript {
  readonly sessionId: string | null;
  /** Ascending by seq; only the loaded window, not necessarily the whole session. */
  readonly messages: readonly MessageRecord[];
  /** Older messages exist before the first loaded one. */
  readonly hasOlder: boolean;
  readonly loadingOlder: boolean;
  /** Whether the newest messages came from the server in this visit (false: cache only). */
  readonly fromServer: boolean;
}

const empty: Transcript = { sessionId: null, messages: [], hasOlder: false, loadingOlder: false, fromServer: false };
export const $transcript = atom<Transcript>(empty);

function set(sessionId: string, fn: (t: Transcript) => Transcript): void {
  const t = $transcript.get();
  if (t.sessionId === sessionId) $transcript.set(fn(t));
}

export function closeTranscript(): void {
  $transcript.set(empty);
}

/** Paint the newest cached page, then (when an api is given) catch up from the server. */
export async function openTranscript(db: CacheDb, sessionId: string, api: ApiClient | null): Promise<void> {
  const cached = await readLatestMessages(db, sessionId, PAGE);
  $transcript.set({ sessionId, messages: cached, hasOlder: (cached[0]?.seq ?? 1) > 1, loadingOlder: false, fromServer: false });
  if (api) await catchUp(db, sessionId, api);
}

/**
 * Fetch what is newer than the last loaded seq. With nothing loaded, fetch the newest page only —
 * a long session is not downloaded from its start.
 */
export async function catchUp(db: CacheDb, sessionId: string, api: ApiClient): Promise<void> {
  const current = $transcript.get().sessionId === sessionId ? $transcript.get().messages : [];
  let last = current.at(-1)?.seq ?? 0;
  if (last === 0) {
    const page = await api.call('listMessages', { id: sessionId, query: { before: NEWEST, limit: PAGE } });
    await writeMessages(db, page.messages);
    set(sessionId, (t) => ({ ...t, messages: merge(t.messages, page.messages), hasOlder: page.hasMore, fromServer: true }));
    return;
  }
  // Also re-read the loaded window's tail so state changes (delivered → answered) missed offline show.
  const refreshFrom = Math.max(0, last - PAGE);
  for (let after = refreshFrom, guard = 0; guard < 100; guard++) {
    const page = await api.call('listMessages', { id: sessionId, query: { after, limit: PAGE * 4 } });
    await writeMessages(db, page.messages);
    set(sessionId, (t) => ({ ...t, messages: merge(t.messages, page.messages) }));
    last = page.messages.at(-1)?.seq ?? after;
    if (!page.hasMore || last === after) break;
    after = last;
  }
  set(sessionId, (t) => ({ ...t, fromServer: true }));
}

/** Load the page before the first loaded message: from the cache when it has it, else from the server. */
export async function loadOlder(db: CacheDb, sessionId: string, api: ApiClient | null): Promise<void> {
  const t = $transcript.get();
  if (t.sessionId !== sessionId || !t.hasOlder || t.loadingOlder) return;
  const first = t.messages[0]?.seq ?? NEWEST;
  set(sessionId, (x) => ({ ...x, loadingOlder: true }));
  try {
    const cached = await readMessages(db, sessionId, Math.max(1, first - PAGE), first - 1);
    // The cache only helps when it holds the whole page (no gaps); otherwise ask the server.
    if (cached.length === Math.min(PAGE, first - 1)) {
      set(sessionId, (x) => ({ ...x, messages: merge(x.messages, cached), hasOlder: (cached[0]?.seq ?? 1) > 1 }));
      return;
    }
    if (!api) {
      // Offline with a gap in the cache: show what there is; scrolling up again online loads the rest.
      set(sessionId, (x) => ({ ...x, messages: merge(x.messages, cached), hasOlder: false }));
      return;
    }
    const page = await api.call('listMessages', { id: sessionId, query: { before: first, limit: PAGE } });
    await writeMessages(db, page.messages);
    set(sessionId, (x) => ({ ...x, messages: merge(x.messages, page.messages), hasOlder: page.hasMore }));
  } finally {
    set(sessionId, (x) => ({ ...x, loadingOlder: false }));
  }
}

/**
 * A message from the events socket: cache it and show it. Returns true when it skipped past the
 * last loaded seq (a frame was missed), so the caller catches up over HTTP.
 */
export async function applyLiveMessage(db: CacheDb, message: MessageRecord): Promise<boolean> {
  await writeMessages(db, [message]);
  const t = $transcript.get();
  if (t.sessionId !== message.sessionId) return false;
  const last = t.messages.at(-1)?.seq ?? 0;
  set(message.sessionId, (x) => ({ ...x, messages: merge(x.messages, [message]) }));
  return last > 0 && message.seq > last + 1;
}
