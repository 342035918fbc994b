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

async function list(dir: string): Promise<string[]> {
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

interface Chat { id: VendorId; updatedAt: number; title: string; subagent: boolean }

/** One chat file: a whole JSON record (`.json`), or JSON lines with the metadata first (`.jsonl`, newer releases). */
function parseChat(text: string, jsonl: boolean): Chat | null {
  let meta: Json = {};
  let messages: Json[] = [];
  if (jsonl) {
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let row: Json;
      try {
        row = JSON.parse(line) as Json;
      } catch {
        continue;
      }
      if (typeof row.sessionId === 'string') meta = { ...meta, ...row };
      else if (typeof row.type === 'string') messages.push(row);
      const set = row.$set as Json | undefined;
      if (Array.isArray(set?.messages)) messages = set.messages as Json[];
    }
  } else {
    meta = JSON.parse(text) as Json;
    messages = Array.isArray(meta.messages) ? (meta.messages as Json[]) : [];
  }
  const id = v.safeParse(VendorIdSchema, meta.sessionId);
  if (!id.success) return null;
  // A chat with no user or model message is not a conversation anyone can continue.
  if (!messages.some((m) => m.type === 'user' || m.type === 'gemini')) return null;
  const firstUser = messages.find((m) => m.type === 'user' && textOf(m.content).trim() !== '');
  const title = (typeof meta.summary === 'string' && meta.summary) || (firstUser ? textOf(firstUser.content).replace(/\s+/g, ' ').trim() : '') || id.output;
  const updated = Date.parse(String(meta.lastUpdated ?? meta.startTime ?? ''));
  return { id: id.output, updatedAt: Number.isFinite(updated) ? updated : 0, title: title.slice(0, LIMITS.titleChars), subagent: meta.kind === 'subagent' };
}

/** Every saved chat whose project directory is known (from `.project_root`); subagent chats are skipped. */
export async function readGeminiChats(env: Readonly<Record<string, string | undefined>>): Promise<DirectSessionInfo[]> {
  const tmp = geminiTmpDir(env);
  const found = new Map<string, DirectSessionInfo>();
  for (const project of await list(tmp)) {
    let cwd: string;
    try {
      cwd = (await readFile(join(tmp, project, '.project_root'), 'utf8')).trim();
    } catch {
      continue; // without the project path there is nowhere to resume it
    }
    if (cwd === '' || cwd.length > LIMITS.cwdChars) continue;
    const chats = join(tmp, project, 'chats');
    for (const file of await list(chats)) {
      if (!file.startsWith('session-') || !(file.endsWith('.json') || file.endsWith('.jsonl'))) continue;
      let chat: Chat | null;
      try {
        chat = parseChat(await readFile(join(chats, file), 'utf8'), file.endsWith('.jsonl'));
      } catch {
        continue;
      }
      if (!chat || chat.subagent) continue;
      const prior = found.get(chat.id);
      if (prior && prior.updatedAt >= chat.updatedAt) continue;
      found.set(chat.id, { provider: 'gemini', backend: 'gemini-acp', vendorResumeId: chat.id, cwd, title: chat.title, updatedAt: Math.max(0, Math.floor(chat.updatedAt)) });
    }
  }
  return [...found.values()].sort((a, b) => b.updatedAt - a.updatedAt);
}
