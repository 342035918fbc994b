// Where Claude Code keeps its transcripts ($CLAUDE_CONFIG_DIR/projects/<cwd slug>/<id>.jsonl) and how to list them.
import { readdir, stat } from 'node:fs/promises';
import { readHead } from '../shared/read-head.ts';
import { mkdirSync, readdirSync, realpathSync, renameSync, statSync } from 'node:fs';
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

/** Longest project folder name Claude writes in full; longer ones are cut and given a hash suffix. */
const SLUG_MAX = 200;

/**
 * Claude's project folder name for a cwd, as the real CLI computes it (2.1.197): every UTF-16 unit that is
 * not an ASCII letter or digit becomes `-`; a name longer than 200 is cut to 200 and gets `-<hash>`, the
 * base-36 absolute value of the Java-style 32-bit string hash of the whole cwd.
 */
export function projectSlug(cwd: string): string {
  const slug = cwd.replace(/[^a-zA-Z0-9]/g, '-');
  return slug.length <= SLUG_MAX ? slug : `${slug.slice(0, SLUG_MAX)}-${Math.abs(stringHash(cwd)).toString(36)}`;
}

function stringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Claude names the folder after the cwd's real path (a symlinked cwd shares its target's transcripts). */
export function realCwd(cwd: string): string {
  try {
    return realpathSync(cwd);
  } catch {
    return cwd;
  }
}

function projectsRoot(env: Readonly<Record<string, string | undefined>>): string {
  return join(claudeConfigDir(env), 'projects');
}

/**
 * The project folders Claude looks in for this cwd: its own, and for a long cwd any folder with the same
 * 200-character stem (another build of the CLI may have hashed the tail differently), as `--resume` does.
 */
function projectDirs(env: Readonly<Record<string, string | undefined>>, cwd: string): string[] {
  const slug = projectSlug(realCwd(cwd));
  const dirs = [join(projectsRoot(env), slug)];
  if (slug.length > SLUG_MAX) {
    const stem = `${slug.slice(0, SLUG_MAX)}-`;
    let names: string[] = [];
    try {
      names = readdirSync(projectsRoot(env));
    } catch {
      // no projects yet
    }
    for (const n of names) if (n.startsWith(stem) && n !== slug) dirs.push(join(projectsRoot(env), n));
  }
  return dirs;
}

export function transcriptPath(env: Readonly<Record<string, string | undefined>>, cwd: string, vendorId: string): string {
  return join(projectsRoot(env), projectSlug(realCwd(cwd)), `${vendorId}.jsonl`);
}

/** The transcript Claude would load for this id from this cwd (non-empty, like the CLI requires), or null. */
export function findTranscript(env: Readonly<Record<string, string | undefined>>, cwd: string, vendorId: string): string | null {
  for (const dir of projectDirs(env, cwd)) {
    const path = join(dir, `${vendorId}.jsonl`);
    try {
      if (statSync(path).size > 0) return path;
    } catch {
      // not in this folder
    }
  }
  return null;
}

export function transcriptExists(env: Readonly<Record<string, string | undefined>>, cwd: string, vendorId: string): boolean {
  return findTranscript(env, cwd, vendorId) !== null;
}

/**
 * Moves the transcript of a session Claude opened instead of ours (a fork) out of `projects/`, into
 * `$CLAUDE_CONFIG_DIR/baton-quarantine/`, where neither Claude's pickers nor Baton's listing look: whatever it
 * holds was never the user's conversation. Returns where it went, or null when there was nothing to move.
 */
export function quarantineTranscript(env: Readonly<Record<string, string | undefined>>, cwd: string, vendorId: string): string | null {
  const from = findTranscript(env, cwd, vendorId);
  if (from === null) return null;
  const dir = join(claudeConfigDir(env), 'baton-quarantine');
  const to = join(dir, `${vendorId}.jsonl`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    renameSync(from, to);
    return to;
  } catch {
    return null;
  }
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
    let row: { cwd?: unknown; type?: unknown; isMeta?: unknown; message?: { role?: unknown; content?: unknown } };
    try {
      row = JSON.parse(line);
    } catch {
      continue;
    }
    if (cwd === null && typeof row.cwd === 'string') cwd = row.cwd;
    // Hidden lines (`isMeta`, e.g. "Continue from where you left off." after a resume) are not the user's words.
    if (title === null && row.type === 'user' && row.isMeta !== true && row.message?.role === 'user') title = userText(row.message.content);
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
