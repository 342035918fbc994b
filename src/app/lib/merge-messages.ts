// Merging message pages and live frames: by id, newest state wins, ordered by seq.
import type { MessageRecord } from '../../core/records.ts';

/**
 * An unchanged message keeps its object: the transcript keeps a row (and its DOM, and the keyboard focus in it) as
 * long as its message is the same object, and a page re-read after the cached paint repeats most messages as they were.
 */
export function mergeMessages(current: readonly MessageRecord[], incoming: readonly MessageRecord[]): MessageRecord[] {
  const byId = new Map(current.map((m) => [m.id, m]));
  for (const m of incoming) {
    const old = byId.get(m.id);
    if (!old || old.updatedAt < m.updatedAt || (old.updatedAt === m.updatedAt && !sameRecord(old, m))) byId.set(m.id, m);
  }
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

/** Field by field, as the wire carries them (records are plain JSON). */
function sameRecord(a: MessageRecord, b: MessageRecord): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}
