// A Gemini CLI chat's history from its saved chats (tmp/<project>/chats/session-*.json[l]): the user's
// messages and Gemini's, with tool calls; the `<session_context>` block and tool results left out.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { HistoryOutcome, HistoryRequest } from '../backend.ts';
import { historyOf, said, textParts, toolSaid, type Said } from '../shared/history-reader.ts';
import { geminiTmpDir } from './chat-store.ts';

type Env = Readonly<Record<string, string | undefined>>;
type Json = Record<string, any>;

/**
 * One chat file's session id and messages. A `.jsonl` chat is a log: metadata first, then message records
 * (a record repeats its `id` when it is updated, e.g. with its tool calls) and `$set` lines that replace fields.
 */
function parse(text: string, jsonl: boolean): { sessionId: unknown; messages: Json[] } {
  if (!jsonl) {
    const chat = JSON.parse(text) as Json;
    return { sessionId: chat.sessionId, messages: Array.isArray(chat.messages) ? chat.messages : [] };
  }
  let sessionId: unknown;
  const byId = new Map<string, Json>();
  let order: Json[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let row: Json;
    try {
      row = JSON.parse(line) as Json;
    } catch {
      continue;
    }
    if (typeof row.sessionId === 'string') sessionId = row.sessionId;
    if (Array.isArray(row.$set?.messages)) {
      order = [...row.$set.messages];
      byId.clear();
      for (const m of order) if (typeof m?.id === 'string') byId.set(m.id, m);
    } else if (typeof row.type === 'string' && typeof row.id === 'string') {
      const i = order.indexOf(byId.get(row.id) as Json);
      if (i >= 0) order[i] = row;
      else order.push(row);
      byId.set(row.id, row);
    }
  }
  return { sessionId, messages: order };
}

const CONTEXT = /^<session_context>/;

function entriesOf(messages: Json[]): Said[] {
  const out: Said[] = [];
  for (const m of messages) {
    if (m.type === 'user') {
      const text = textParts(m.content, ['text']);
      if (text && !CONTEXT.test(text.trimStart())) out.push(said('user', text, m.timestamp));
    } else if (m.type === 'gemini') {
      out.push(said('agent', textParts(m.content, ['text']), m.timestamp));
      for (const t of Array.isArray(m.toolCalls) ? m.toolCalls : []) out.push(toolSaid(t.displayName ?? t.name, t.args, t.timestamp ?? m.timestamp));
    }
  }
  return out;
}

export function readGeminiHistory(env: Env, request: HistoryRequest): Promise<HistoryOutcome> {
  return historyOf(request, async () => {
    const tmp = geminiTmpDir(env);
    // The newest file of the chat: each session/load writes a new one (the same id, more history).
    let best: { messages: Json[]; name: string } | null = null;
    for (const project of await readdir(tmp).catch(() => [] as string[])) {
      const chats = join(tmp, project, 'chats');
      for (const name of await readdir(chats).catch(() => [] as string[])) {
        if (!name.startsWith('session-') || !(name.endsWith('.json') || name.endsWith('.jsonl'))) continue;
        if (!name.includes(request.vendorId.slice(0, 8))) continue; // session-<time>-<first 8 of the id>
        try {
          const chat = parse(await readFile(join(chats, name), 'utf8'), name.endsWith('.jsonl'));
          if (chat.sessionId !== request.vendorId) continue;
          if (!best || chat.messages.length > best.messages.length) best = { messages: chat.messages, name };
        } catch {
          // half-written
        }
      }
    }
    return best ? entriesOf(best.messages) : null;
  }, 'the Gemini chats');
}
