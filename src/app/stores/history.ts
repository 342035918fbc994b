// A session's history as its vendor recorded it, read on its machine through the server: paged from the
// newest, read-only, never cached (it is not Baton's; the machine is the only source).
import { atom } from 'nanostores';
import type { HistoryEntry, HistoryPage } from '../../core/history.ts';
import { errorText } from '../lib/api-client.ts';
import { $runtime } from './runtime.ts';

export interface VendorHistory {
  readonly sessionId: string | null;
  /** Oldest first. */
  readonly entries: readonly HistoryEntry[];
  readonly hasOlder: boolean;
  readonly loading: boolean;
  readonly error: string | null;
  /** When the newest page was read (the vendor may have moved on since). */
  readonly readAt: number | null;
}

const empty: VendorHistory = { sessionId: null, entries: [], hasOlder: false, loading: false, error: null, readAt: null };
export const $history = atom<VendorHistory>(empty);
export const HISTORY_PAGE = 30;

function set(sessionId: string, patch: Partial<VendorHistory>): void {
  const h = $history.get();
  if (h.sessionId === sessionId) $history.set({ ...h, ...patch });
}

async function page(sessionId: string, before: number | null): Promise<HistoryPage> {
  const r = $runtime.get();
  if (!r) throw new Error('No server is selected.');
  return r.api.call('readHistory', { id: sessionId, query: { limit: HISTORY_PAGE, before: before ?? undefined } });
}

/** The newest page, afresh. */
export async function openHistory(sessionId: string): Promise<void> {
  $history.set({ ...empty, sessionId, loading: true });
  try {
    const p = await page(sessionId, null);
    set(sessionId, { entries: p.entries, hasOlder: p.hasOlder, loading: false, readAt: Date.now() });
  } catch (e) {
    set(sessionId, { loading: false, error: errorText(e) });
  }
}

/** The page before the oldest one shown. */
export async function loadOlderHistory(sessionId: string): Promise<void> {
  const h = $history.get();
  if (h.sessionId !== sessionId || h.loading || !h.hasOlder || h.entries.length === 0) return;
  set(sessionId, { loading: true, error: null });
  try {
    const p = await page(sessionId, h.entries[0]!.index);
    const now = $history.get();
    set(sessionId, { entries: [...p.entries, ...now.entries], hasOlder: p.hasOlder, loading: false });
  } catch (e) {
    set(sessionId, { loading: false, error: errorText(e) });
  }
}

export function closeHistory(): void {
  $history.set(empty);
}
