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

export function codexHome(env: Env): string {
  return env.CODEX_HOME || join(env.HOME || homedir(), '.codex');
}

/** Whether Codex has written a rollout for this thread (it does so after the first turn). Newest days first. */
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
    const meta = summarize(await readHead(f.path));
    if (!meta || meta.id !== f.id) continue;
    out.push({ provider: 'codex', backend, vendorResumeId: asVendorId(f.id), cwd: meta.cwd, title: meta.title, updatedAt: Math.round(f.mtime) });
  }
  return out;
}

/** The session_meta line gives id and cwd; the first user_message event gives the title. */
function summarize(head: string): { id: string; cwd: string; title: string } | null {
  let meta: { id: string; cwd: string } | null = null;
  let title: string | null = null;
  for (const line of head.split('\n')) {
    if (meta && title !== null) break;
    let row: { type?: unknown; payload?: Record<string, unknown> };
    try {
      row = JSON.parse(line);
    } catch {
      continue;
    }
    const p = row.payload ?? {};
    if (!meta && row.type === 'session_meta' && typeof p.id === 'string' && typeof p.cwd === 'string') meta = { id: p.id, cwd: p.cwd };
    if (title === null && row.type === 'event_msg' && p.type === 'user_message' && typeof p.message === 'string') title = p.message;
  }
  return meta ? { ...meta, title: (title ?? '').replace(/\s+/g, ' ').trim().slice(0, 120) || 'Codex session' } : null;
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
