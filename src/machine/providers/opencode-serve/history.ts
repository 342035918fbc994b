// An OpenCode session's history from its own store: `opencode.db` (tables message and part) in current
// releases, the JSON files under storage/message and storage/part in older ones. Text and tool parts only.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { HistoryOutcome, HistoryRequest } from '../backend.ts';
import { historyOf, said, toolSaid, type Said } from '../shared/history-reader.ts';
import { opencodeDataDir } from './session-store.ts';

type Env = Readonly<Record<string, string | undefined>>;
type Json = Record<string, any>;
interface Message { id: string; role: string; created: number; parts: Json[] }

function entriesOf(messages: Message[]): Said[] {
  const out: Said[] = [];
  for (const m of messages.sort((a, b) => a.created - b.created || a.id.localeCompare(b.id))) {
    for (const p of m.parts) {
      // Synthetic text (context OpenCode adds, e.g. file contents of an @mention) is not what anyone said.
      if (p.type === 'text' && typeof p.text === 'string' && p.synthetic !== true) out.push(said(m.role === 'user' ? 'user' : 'agent', p.text, p.time?.start ?? m.created));
      else if (p.type === 'tool' && m.role !== 'user') out.push(toolSaid(p.tool, p.state?.input, p.state?.time?.start ?? m.created));
    }
  }
  return out;
}

/** Opened read-only, so a running OpenCode is undisturbed; null when the database does not hold the session. */
function fromDatabase(env: Env, sessionId: string): Message[] | null {
  const path = join(opencodeDataDir(env), 'opencode.db');
  if (!existsSync(path)) return null;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    if (!db.prepare('SELECT 1 FROM session WHERE id = ?').get(sessionId)) return null;
    const messages = new Map<string, Message>();
    for (const r of db.prepare('SELECT id, time_created, data FROM message WHERE session_id = ?').all(sessionId) as { id: string; time_created: number; data: string }[]) {
      const data = JSON.parse(r.data) as Json;
      messages.set(r.id, { id: r.id, role: String(data.role), created: r.time_created, parts: [] });
    }
    for (const r of db.prepare('SELECT message_id, data FROM part WHERE session_id = ? ORDER BY time_created, id').all(sessionId) as { message_id: string; data: string }[]) {
      messages.get(r.message_id)?.parts.push(JSON.parse(r.data) as Json);
    }
    return [...messages.values()];
  } finally {
    db.close();
  }
}

async function jsonFiles(dir: string): Promise<Json[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return [];
  }
  const out: Json[] = [];
  for (const n of names) {
    try {
      out.push(JSON.parse(await readFile(join(dir, n), 'utf8')) as Json);
    } catch {
      // being written, or not OpenCode's
    }
  }
  return out;
}

async function fromJsonStore(env: Env, sessionId: string): Promise<Message[] | null> {
  const storage = join(opencodeDataDir(env), 'storage');
  const messages = await jsonFiles(join(storage, 'message', sessionId));
  if (messages.length === 0) {
    // A session with no message yet still exists if its own file does.
    const projects = await readdir(join(storage, 'session')).catch(() => [] as string[]);
    return projects.some((p) => existsSync(join(storage, 'session', p, `${sessionId}.json`))) ? [] : null;
  }
  const out: Message[] = [];
  for (const m of messages) {
    if (typeof m.id !== 'string') continue;
    const parts = (await jsonFiles(join(storage, 'part', m.id))).sort((a, b) => String(a.id).localeCompare(String(b.id)));
    out.push({ id: m.id, role: String(m.role), created: Number(m.time?.created ?? 0), parts });
  }
  return out;
}

export function readOpencodeHistory(env: Env, request: HistoryRequest): Promise<HistoryOutcome> {
  return historyOf(request, async () => {
    const messages = fromDatabase(env, request.vendorId) ?? (await fromJsonStore(env, request.vendorId));
    return messages === null ? null : entriesOf(messages);
  }, 'the OpenCode store');
}
