// Merging message pages and live frames: by id, newest state wins, ordered by seq.
import type { MessageRecord } from '../../core/records.ts';

export function mergeMessages(current: readonly MessageRecord[], incoming: readonly MessageRecord[]): MessageRecord[] {
  const byId = new Map(current.map((m) => [m.id, m]));
  for (const m of incoming) {
    const old = byId.get(m.id);
    if (!old || old.updatedAt <= m.updatedAt) byId.set(m.id, m);
  }
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}
