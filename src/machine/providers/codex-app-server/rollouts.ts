// Codex's own session store: rollout files under $CODEX_HOME/sessions/YYYY/MM/DD/rollout-<timestamp>-<threadId>.jsonl.
import { readdir, stat } from 'node:fs/promises';
import { readHead } from '../shared/read-head.ts';
import { readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Backend } from '../../../core/index.ts';
import { asVendorId } from '../../../core/index.ts';
import type { DirectSessionInfo } from '../backend.ts';

type Env = Readonly<Record<string, string | undefined>>;
const ROLLOUT_RE = /^rollout-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-([A-Za-z0-9_.:-]{1,200})\.jsonl$/;
/** Bounded work: the newest this many rollouts are listed. */
const MAX_LISTED = 500;
/** How much of a rollout to read for its title: enough to pass the instructions the harness writes first. */
const HEAD_BYTES = 128 * 1024;

export function codexHome(env: Env): string {
  return env.CODEX_HOME || join(env.HOME || homedir(), '.codex');
}

/** Whether Codex has written a rollout for this thread (it does so when the first turn starts). Newest days first. */
export function rolloutExists(env: Env, threadId: string): boolean {
  const root = join(codexHome(env), 'sessions');
  const suffix = `-${threadId}.jsonl`;
  for (const y of listSync(root).reverse()) {
    for (const m of listSync(join(root, y)).reverse()) {
      for (const d of listSync(join(root, y, m)).reverse()) {
        if (listSync(join(root, y, m, d)).some((f) => f.startsWith('rollout-') && f.endsWith(suffix))) return true;
      }
    }
  }
  return false;
}

export async function listCodexRollouts(env: Env, backend: Backend = 'codex-app-server'): Promise<DirectSessionInfo[]> {
  const root = join(codexHome(env), 'sessions');
  const files: { path: string; id: string; mtime: number }[] = [];
  outer: for (const y of (await list(root)).reverse()) {
    for (const m of (await list(join(root, y))).reverse()) {
      for (const d of (await list(join(root, y, m))).reverse()) {
        for (const name of await list(join(root, y, m, d))) {
          const match = ROLLOUT_RE.exec(name);
          if (!match) continue;
          const path = join(root, y, m, d, name);
          try {
            files.push({ path, id: match[1]!, mtime: (await stat(path)).mtimeMs });
          } catch {
            // vanished while listing
          }
          if (files.length >= MAX_LISTED * 2) break outer;
        }
      }
    }
  }
  files.sort((a, b) => b.mtime - a.mtime);
  const out: DirectSessionInfo[] = [];
  for (const f of files.slice(0, MAX_LISTED)) {
    // The first line alone (session_meta with the base instructions) is ~22 KB, and the harness's own messages follow.
    const meta = summarize(await readHead(f.path, HEAD_BYTES));
    if (!meta || meta.id !== f.id) continue;
    out.push({ provider: 'codex', backend, vendorResumeId: asVendorId(f.id), cwd: meta.cwd, title: meta.title, updatedAt: Math.round(f.mtime) });
  }
  return out;
}

/**
 * The session_meta line gives id and cwd; the title is the user's first message. Codex 0.171 writes it as a
 * `response_item` message of role user (after the harness's own `<environment_context>` one, which is not the
 * user's) and again as `event_msg` `item_completed` with a `UserMessage` item; there is no `user_message` event.
 */
function summarize(head: string): { id: string; cwd: string; title: string } | null {
  let meta: { id: string; cwd: string } | null = null;
  let title: string | null = null;
  for (const line of head.split('\n')) {
    if (meta && title !== null) break;
    let row: { type?: unknown; payload?: Record<string, any> };
    try {
      row = JSON.parse(line);
    } catch {
      continue;
    }
    const p = row.payload ?? {};
    if (!meta && row.type === 'session_meta' && typeof p.id === 'string' && typeof p.cwd === 'string') meta = { id: p.id, cwd: p.cwd };
    if (title !== null) continue;
    if (row.type === 'response_item' && p.type === 'message' && p.role === 'user') title = userWords(p.content, 'input_text');
    else if (row.type === 'event_msg' && p.type === 'item_completed' && p.item?.type === 'UserMessage') title = userWords(p.item.content, 'text');
    // Older Codex wrote the user's text as an `event_msg` of type `user_message`.
    else if (row.type === 'event_msg' && p.type === 'user_message' && typeof p.message === 'string') title = p.message;
  }
  return meta ? { ...meta, title: (title ?? '').replace(/\s+/g, ' ').trim().slice(0, 120) || 'Codex session' } : null;
}

/** The text parts of a message, or null when it is one of the harness's own (`<environment_context>`, AGENTS.md…). */
function userWords(content: unknown, kind: string): string | null {
  if (!Array.isArray(content)) return null;
  const text = content.filter((c) => c?.type === kind && typeof c.text === 'string').map((c) => c.text as string).join(' ').trim();
  if (text.length === 0 || /^<[a-z_]+>/.test(text) || /^# AGENTS\.md instructions/.test(text)) return null;
  return text;
}

function listSync(dir: string): string[] {
  try {
    return statSync(dir).isDirectory() ? readdirSync(dir).sort() : [];
  } catch {
    return [];
  }
}

async function list(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}
