// Reads Gemini CLI's saved chats (~/.gemini/tmp/<project>/chats/session-*.json[l], project path in .project_root) without starting it.
import { readFile, readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { LIMITS, VendorIdSchema, type VendorId } from '../../../core/index.ts';
import type { DirectSessionInfo } from '../backend.ts';

type Json = Record<string, unknown>;

export function geminiTmpDir(env: Readonly<Record<string, string | undefined>>): string {
  return join(env.GEMINI_CLI_HOME || env.HOME || homedir(), '.gemini', 'tmp');
}

export async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

const textOf = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? content.map((p) => (typeof (p as Json)?.text === 'string' ? ((p as Json).text as string) : '')).join('')
      : '';

// Gemini opens every chat with a synthetic user message describing the workspace (it lists the cwd's
// contents); it is not something the user said, so it is neither a title nor a reason to list a chat.
const SYNTHETIC = /^\s*<session_context>/;

/** Gemini's own rule for a chat worth resuming: a real user message, or a model message with content. */
export function isResumableMessage(m: Json): boolean {
  const text = textOf(m.content).trim();
  if (m.type === 'user') return text !== '' && !SYNTHETIC.test(text);
  if (m.type === 'gemini') return text !== '' || (Array.isArray(m.toolCalls) && m.toolCalls.length > 0);
  return false;
}

export interface Chat { readonly id: VendorId; readonly updatedAt: number; readonly title: string; readonly subagent: boolean; readonly resumable: boolean }

/** One chat file: a whole JSON record (`.json`), or JSON lines (`.jsonl`: metadata, message records, `$set` updates). */
export function parseChat(text: string, jsonl: boolean): Chat | null {
  let meta: Json = {};
  let messages = new Map<string, Json>();
  if (jsonl) {
    let n = 0;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let row: Json;
      try {
        row = JSON.parse(line) as Json;
      } catch {
        continue;
      }
      const set = row.$set as Json | undefined;
      if (set && typeof set === 'object') {
        // `$set.messages` replaces the whole history (Gemini writes one when it (re)opens a chat).
        if (Array.isArray(set.messages)) messages = new Map((set.messages as Json[]).map((m, i) => [String(m.id ?? `#${i}`), m]));
        const { messages: _m, ...rest } = set;
        meta = { ...meta, ...rest };
      } else if (typeof row.sessionId === 'string' && typeof row.type !== 'string') meta = { ...meta, ...row };
      else if (typeof row.type === 'string') messages.set(String(row.id ?? `#${n++}`), row);
    }
  } else {
    meta = JSON.parse(text) as Json;
    messages = new Map((Array.isArray(meta.messages) ? (meta.messages as Json[]) : []).map((m, i) => [String(m.id ?? `#${i}`), m]));
  }
  const id = v.safeParse(VendorIdSchema, meta.sessionId);
  if (!id.success) return null;
  const all = [...messages.values()];
  const firstUser = all.find((m) => m.type === 'user' && isResumableMessage(m));
  const title = (typeof meta.summary === 'string' && meta.summary) || (firstUser ? textOf(firstUser.content).replace(/\s+/g, ' ').trim() : '') || id.output;
  const updated = Date.parse(String(meta.lastUpdated ?? meta.startTime ?? ''));
  return {
    id: id.output, updatedAt: Number.isFinite(updated) ? updated : 0, title: title.slice(0, LIMITS.titleChars),
    subagent: meta.kind === 'subagent', resumable: all.some(isResumableMessage),
  };
}

/** A chat file on disk, with the project it belongs to. */
export interface ChatFile { readonly path: string; readonly name: string; readonly cwd: string; readonly chat: Chat }

/** Every chat file whose project directory is known (from `.project_root`). */
export async function readChatFiles(env: Readonly<Record<string, string | undefined>>): Promise<ChatFile[]> {
  const tmp = geminiTmpDir(env);
  const out: ChatFile[] = [];
  for (const project of await list(tmp)) {
    let cwd: string;
    try {
      cwd = (await readFile(join(tmp, project, '.project_root'), 'utf8')).trim();
    } catch {
      continue; // without the project path there is nowhere to resume it
    }
    if (cwd === '' || cwd.length > LIMITS.cwdChars) continue;
    const chats = join(tmp, project, 'chats');
    for (const name of await list(chats)) {
      if (!name.startsWith('session-') || !(name.endsWith('.json') || name.endsWith('.jsonl'))) continue;
      try {
        const chat = parseChat(await readFile(join(chats, name), 'utf8'), name.endsWith('.jsonl'));
        if (chat) out.push({ path: join(chats, name), name, cwd, chat });
      } catch {
        // unreadable: skip it
      }
    }
  }
  return out;
}

/**
 * The chats a user could continue: resumable (Gemini's start-up and probe chats, which hold only the
 * synthetic workspace message, are not), no subagent chats, one entry per session id.
 */
export async function readGeminiChats(env: Readonly<Record<string, string | undefined>>): Promise<DirectSessionInfo[]> {
  const found = new Map<string, DirectSessionInfo>();
  for (const { chat, cwd } of await readChatFiles(env)) {
    if (!chat.resumable || chat.subagent) continue;
    const prior = found.get(chat.id);
    if (prior && prior.updatedAt >= chat.updatedAt) continue;
    found.set(chat.id, { provider: 'gemini', backend: 'gemini-acp', vendorResumeId: chat.id, cwd, title: chat.title, updatedAt: Math.max(0, Math.floor(chat.updatedAt)) });
  }
  return [...found.values()].sort((a, b) => b.updatedAt - a.updatedAt);
}
