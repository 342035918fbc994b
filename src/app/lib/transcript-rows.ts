// The transcript's rows: server messages joined with the outbox, with stable identities so a windowed list re-renders only what changed.
import type { MessageRecord } from '../../core/records.ts';
import { stateFromDelivery, type OutboxItem, type OutboxState, type OutboxWait } from './outbox-item.ts';

/** A user message as the phone knows it: the server's record, the outbox item, or both. */
export interface UserEntry {
  readonly text: string;
  readonly state: OutboxState;
  readonly failure: { code: string; detail: string } | null;
  readonly item: OutboxItem | null;
  /** While queued on the phone after a failed try: what it waits for. */
  readonly wait: OutboxWait | null;
  /** While the server holds it for its machine: until when. */
  readonly heldUntil: number | null;
}

export type Row =
  | { readonly kind: 'message'; readonly key: string; readonly stamp: string; readonly message: MessageRecord; readonly entry: UserEntry | null }
  | { readonly kind: 'pending'; readonly key: string; readonly stamp: string; readonly entry: UserEntry; readonly item: OutboxItem };

/**
 * What a row was built from, as a value. Identity alone is not enough: a record updated in place (a store
 * that reconciles into old objects) would keep a stale row.
 */
function stampOf(m: MessageRecord | null, item: OutboxItem | null): string {
  return `${m?.updatedAt ?? ''}|${m?.state ?? ''}|${m?.text.length ?? ''}|${item?.updatedAt ?? ''}|${item?.state ?? ''}|${item?.wait?.kind ?? ''}`;
}

/**
 * Rows in order: the loaded messages by seq, then outbox items the server has not echoed yet. A row whose
 * message and outbox item are the very same, unchanged objects as in `previous` is returned as the same
 * object, so a keyed list keeps its DOM (and its measured height) for it.
 */
export function buildRows(messages: readonly MessageRecord[], outbox: readonly OutboxItem[], previous?: ReadonlyMap<string, Row>, superseded?: ReadonlySet<string>): Row[] {
  const byClient = new Map(outbox.map((i) => [i.clientId, i]));
  const seen = new Set<string>();
  const rows: Row[] = [];
  for (const m of messages) {
    // A failed send that a retry or an edit replaced: the new one stands for it.
    if (m.role === 'user' && m.clientId && superseded?.has(m.clientId) && !byClient.has(m.clientId) && (m.state === 'failed' || m.state === 'unanswered')) continue;
    const key = m.id;
    const item = m.role === 'user' && m.clientId ? (byClient.get(m.clientId) ?? null) : null;
    if (m.role === 'user' && m.clientId) seen.add(m.clientId);
    const stamp = stampOf(m, item);
    const old = previous?.get(key);
    if (old && old.kind === 'message' && old.message === m && old.stamp === stamp && (old.entry?.item ?? null) === item) {
      rows.push(old);
    } else if (m.role !== 'user') {
      rows.push({ kind: 'message', key, stamp, message: m, entry: null });
    } else {
      // The server's state is the truth for a message it holds; the outbox item adds the actions.
      const state = m.state ? stateFromDelivery(m.state) : (item?.state ?? 'sending');
      rows.push({ kind: 'message', key, stamp, message: m, entry: { text: m.text, state, failure: m.failure ?? item?.failure ?? null, item, wait: null, heldUntil: m.heldUntil ?? null } });
    }
  }
  for (const item of outbox) {
    if (seen.has(item.clientId)) continue;
    const key = `out:${item.clientId}`;
    const stamp = stampOf(null, item);
    const old = previous?.get(key);
    if (old && old.kind === 'pending' && old.item === item && old.stamp === stamp) rows.push(old);
    else rows.push({ kind: 'pending', key, stamp, item, entry: { text: item.text, state: item.state, failure: item.failure, item, wait: item.wait ?? null, heldUntil: item.heldUntil ?? null } });
  }
  return rows;
}

/** The estimate's category and text length for a row (see estimateHeight); `px` when the row's structure says more. */
export function rowShape(row: Row): { kind: 'user' | 'agent' | 'tool' | 'permission' | 'notice'; length: number; px?: number } {
  if (row.kind === 'pending') return { kind: 'user', length: row.entry.text.length };
  const { role, entry, text } = row.message;
  if (entry?.kind === 'plan') return { kind: 'tool', length: 0, px: 44 + entry.items.length * 25 };
  if (entry?.kind === 'tool') {
    // Folded boxes: output at most 10 lines, a diff at most 30, each line ~18 px.
    const out = entry.result ? Math.min(10, entry.result.text.split('\n').length) * 18 + 16 : 0;
    const diff = entry.changes.reduce((n, c) => n + 34 + Math.min(30, (c.patch ?? `${c.before ?? ''}\n${c.after ?? ''}`).split('\n').length) * 18, 0);
    return { kind: 'tool', length: 0, px: 52 + out + diff };
  }
  return { kind: role, length: text.length };
}
