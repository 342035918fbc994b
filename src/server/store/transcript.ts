// Storing transcript lines: what the agent said or did (text, tool use, its errors, permission requests) and
// Baton's own notices. The one place an agent event becomes a row (richer event kinds land here too).
import type { TranscriptEntry } from '../../core/index.ts';
import { newId } from '../tokens.ts';
import type { MessageRow, MessageStore } from './messages.ts';

/** Adds the line after the session's last message (the caller holds the transaction, so seqs stay gap-free). */
export function appendTranscript(messages: MessageStore, sessionId: string, e: TranscriptEntry, at: number): MessageRow {
  return messages.insert({
    id: newId('msg'), session_id: sessionId, role: e.role, origin: 'agent', client_id: e.eventId, text: e.text, state: null,
    tool: e.tool, permission: e.permission === null ? null : JSON.stringify(e.permission), attempt_id: null, created_at: at,
  });
}
