// Structured agent output (tool calls, plans, streamed text) stored with its transcript message: the first report
// of a call adds the message, later ones (same key) update it in place, so a tool goes running → done on one row.
// Part of the session port's SQLite adapter (session-snapshots.ts), which alone calls it.
import { summarizeInput, type AgentEntry, type EntryEvent, type TranscriptEntry } from '../../core/index.ts';
import { jsonTrue, type Db } from '../db/db.ts';
import type { MessageRow } from './messages.ts';

/** What the message looks like for clients that read only its text (the CLI, notifications, older phones). */
function planSummary(items: readonly { status: string }[]): string {
  const done = items.filter((i) => i.status === 'done').length;
  return `${done} of ${items.length} done`;
}

/** The key, the entry, and the message fields for an event, merged over what an earlier report of it stored. */
function shape(event: EntryEvent, previous: AgentEntry | null): { key: string; entry: AgentEntry; role: 'agent' | 'tool'; text: string; tool: string | null } {
  switch (event.kind) {
    case 'tool-call': {
      const old = previous?.kind === 'tool' ? previous : null;
      const entry: AgentEntry = {
        kind: 'tool', callId: event.callId, tool: event.tool, title: event.title ?? old?.title ?? null,
        input: event.input || (old?.input ?? ''), status: event.status, result: event.result ?? old?.result ?? null,
        changes: event.changes.length > 0 ? event.changes : (old?.changes ?? []),
      };
      return { key: `tool:${event.callId}`, entry, role: 'tool', text: entry.title || summarizeInput(entry.input), tool: event.tool };
    }
    case 'plan':
      return { key: `plan:${event.planId}`, entry: { kind: 'plan', planId: event.planId, items: event.items }, role: 'tool', text: planSummary(event.items), tool: 'Plan' };
    case 'text':
      return { key: `text:${event.partId}`, entry: { kind: 'text', partId: event.partId, streaming: event.final !== true }, role: 'agent', text: event.text, tool: null };
  }
}

export function createAgentEntries(db: Db, append: (sessionId: string, e: TranscriptEntry, at: number) => MessageRow, get: (id: string) => MessageRow) {
  const s = {
    byKey: db.prepare<[string, string], MessageRow>('SELECT * FROM messages WHERE session_id = ? AND entry_key = ?'),
    set: db.prepare('UPDATE messages SET entry = ?, entry_key = ?, text = ?, tool = ?, updated_at = ? WHERE id = ?'),
    running: db.prepare<[string], MessageRow>(`SELECT * FROM messages WHERE session_id = ? AND entry_key LIKE 'tool:%' AND json_extract(entry, '$.status') = 'running'`),
    streaming: db.prepare<[string], MessageRow>(`SELECT * FROM messages WHERE session_id = ? AND entry_key LIKE 'text:%' AND ${jsonTrue(db, 'entry', 'streaming')}`),
  };
  const write = (id: string, key: string, entry: AgentEntry, text: string, tool: string | null, now: number): MessageRow => {
    s.set.run(JSON.stringify(entry), key, text, tool, now, id);
    return get(id);
  };
  return {
    /**
     * Adds the message for a structured event, or updates the one an earlier report of the same call, plan or
     * text part added (the first report's event id is the new message's). Returns the row as stored now.
     */
    apply(sessionId: string, eventId: string, event: EntryEvent, now: number): MessageRow {
      const existing = s.byKey.get(sessionId, keyOf(event));
      const previous = existing?.entry ? (JSON.parse(existing.entry) as AgentEntry) : null;
      const next = shape(event, previous);
      if (existing) return write(existing.id, next.key, next.entry, next.text, next.tool, now);
      const row = append(sessionId, { role: next.role, text: next.text, eventId, tool: next.tool, permission: null }, now);
      return write(row.id, next.key, next.entry, next.text, next.tool, now);
    },
    /**
     * The turn ended (or the agent went away): tools still shown running never finished, and text still streaming is
     * all there will be. Returns the rows it changed.
     */
    settle(sessionId: string, now: number): MessageRow[] {
      const out: MessageRow[] = [];
      for (const row of s.running.all(sessionId)) {
        const entry = JSON.parse(row.entry!) as Extract<AgentEntry, { kind: 'tool' }>;
        out.push(write(row.id, row.entry_key!, { ...entry, status: 'failed' }, row.text, row.tool, now));
      }
      for (const row of s.streaming.all(sessionId)) {
        const entry = JSON.parse(row.entry!) as Extract<AgentEntry, { kind: 'text' }>;
        out.push(write(row.id, row.entry_key!, { ...entry, streaming: false }, row.text, row.tool, now));
      }
      return out;
    },
  };
}


function keyOf(event: EntryEvent): string {
  return event.kind === 'tool-call' ? `tool:${event.callId}` : event.kind === 'plan' ? `plan:${event.planId}` : `text:${event.partId}`;
}
