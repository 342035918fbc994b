// Where Claude Code keeps its transcripts ($CLAUDE_CONFIG_DIR/projects/<cwd slug>/<id>.jsonl) and how to list them.
import { readdir, stat } from 'node:fs/promises';
import { readHead } from '../shared/read-head.ts';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import type { DirectSessionInfo } from '../backend.ts';
import { asVendorId } from '../../../core/index.ts';

const VENDOR_ID_RE = /^[A-Za-z0-9_.:-]{1,256}$/;
/** Bounded work: the newest this many transcripts are listed. */
const MAX_LISTED = 500;

export function claudeConfigDir(env: Readonly<Record<string, string | undefined>>): string {
  return env.CLAUDE_CONFIG_DIR || join(env.HOME || homedir(), '.claude');
}

/** Claude's project folder name: the cwd with `/ . : _` and spaces turned into `-`. */
export function projectSlug(cwd: string): string {
  return cwd.replace(/[/.:_ ]/g, '-');
}

export function transcriptPath(env: Readonly<Record<string, string | undefined>>, cwd: string, vendorId: string): string {
  return join(claudeConfigDir(env), 'projects', projectSlug(cwd), `${vendorId}.jsonl`);
}

export function transcriptExists(env: Readonly<Record<string, string | undefined>>, cwd: string, vendorId: string): boolean {
  return existsSync(transcriptPath(env, cwd, vendorId));
}

export async function listClaudeTranscripts(env: Readonly<Record<string, string | undefined>>): Promise<DirectSessionInfo[]> {
  const root = join(claudeConfigDir(env), 'projects');
  const files: { path: string; mtime: number }[] = [];
  for (const dir of await safeReaddir(root)) {
    for (const name of await safeReaddir(join(root, dir))) {
      if (!name.endsWith('.jsonl')) continue;
      const path = join(root, dir, name);
      try {
        files.push({ path, mtime: (await stat(path)).mtimeMs });
      } catch {
        // vanished while listing
      }
    }
  }
  files.sort((a, b) => b.mtime - a.mtime);
  const out: DirectSessionInfo[] = [];
  for (const f of files.slice(0, MAX_LISTED)) {
    const id = basename(f.path, '.jsonl');
    if (!VENDOR_ID_RE.test(id)) continue;
    const head = await readHead(f.path);
    const meta = summarize(head);
    if (!meta) continue;
    out.push({ provider: 'claude', backend: 'claude-stream', vendorResumeId: asVendorId(id), cwd: meta.cwd, title: meta.title, updatedAt: Math.round(f.mtime) });
  }
  return out;
}

/** cwd from the first line that has one; title from the first user message that is text (not a tool result). */
function summarize(head: string): { cwd: string; title: string } | null {
  let cwd: string | null = null;
  let title: string | null = null;
  for (const line of head.split('\n')) {
    if (cwd !== null && title !== null) break;
    let row: { cwd?: unknown; type?: unknown; message?: { role?: unknown; content?: unknown } };
    try {
      row = JSON.parse(line);
    } catch {
      continue;
    }
    if (cwd === null && typeof row.cwd === 'string') cwd = row.cwd;
    if (title === null && row.type === 'user' && row.message?.role === 'user') title = userText(row.message.content);
  }
  return cwd === null ? null : { cwd, title: (title ?? '').replace(/\s+/g, ' ').trim().slice(0, 120) || 'Claude session' };
}

function userText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  const text = content.filter((c) => c?.type === 'text' && typeof c.text === 'string').map((c) => c.text as string).join(' ');
  return text.length > 0 ? text : null;
}

async function safeReaddir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}
