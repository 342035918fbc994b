// Reads OpenCode's own session store without starting a server: the SQLite database of current releases
// ($XDG_DATA_HOME/opencode/opencode.db) or, when there is none, the JSON files of older ones (storage/session/<project>/<id>.json).
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { LIMITS, VendorIdSchema } from '../../../core/index.ts';
import type { DirectSessionInfo } from '../backend.ts';

export function opencodeDataDir(env: Readonly<Record<string, string | undefined>>): string {
  return join(env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share'), 'opencode');
}

const SessionFile = v.object({
  id: VendorIdSchema,
  directory: v.pipe(v.string(), v.minLength(1), v.maxLength(LIMITS.cwdChars)),
  title: v.optional(v.string(), ''),
  parentID: v.optional(v.string()),
  time: v.object({ created: v.number(), updated: v.optional(v.number()), archived: v.optional(v.number()) }),
});

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return []; // no store yet (OpenCode never ran here): no sessions
  }
}

/**
 * Every top-level, unarchived session in the store, newest first. Child sessions (a subagent's, with a
 * parent) are parts of another conversation, not something to take over. When the database exists it is
 * the whole truth: OpenCode moved the JSON files into it, so a session deleted there is gone even if an
 * old JSON file of it remains.
 */
export async function readOpencodeSessions(env: Readonly<Record<string, string | undefined>>): Promise<DirectSessionInfo[]> {
  const db = join(opencodeDataDir(env), 'opencode.db');
  const found = existsSync(db) ? readDatabase(db) : await readJsonStore(env);
  return found.sort((a, b) => b.updatedAt - a.updatedAt);
}

const info = (id: v.InferOutput<typeof VendorIdSchema>, cwd: string, title: string | null | undefined, updatedAt: number): DirectSessionInfo => ({
  provider: 'opencode', backend: 'opencode-serve', vendorResumeId: id, cwd, title: (title || id).slice(0, LIMITS.titleChars), updatedAt: Math.max(0, Math.floor(updatedAt)),
});

async function readJsonStore(env: Readonly<Record<string, string | undefined>>): Promise<DirectSessionInfo[]> {
  const root = join(opencodeDataDir(env), 'storage', 'session');
  const out: DirectSessionInfo[] = [];
  for (const project of await list(root)) {
    for (const file of await list(join(root, project))) {
      if (!file.endsWith('.json')) continue;
      try {
        const r = v.safeParse(SessionFile, JSON.parse(await readFile(join(root, project, file), 'utf8')));
        if (!r.success || r.output.parentID || r.output.time.archived !== undefined) continue;
        out.push(info(r.output.id, r.output.directory, r.output.title, r.output.time.updated ?? r.output.time.created));
      } catch {
        // unreadable: skip it
      }
    }
  }
  return out;
}

const Row = v.object({
  id: VendorIdSchema,
  directory: v.pipe(v.string(), v.minLength(1), v.maxLength(LIMITS.cwdChars)),
  title: v.nullish(v.string(), ''),
  time_updated: v.nullish(v.number(), 0),
});

/** Opened read-only so a running OpenCode is undisturbed (OpenCode 1.18: table `session`, `time_archived` when archived). */
function readDatabase(path: string): DirectSessionInfo[] {
  let db: Database.Database | null = null;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const archived = (db.prepare('PRAGMA table_info(session)').all() as { name: string }[]).some((c) => c.name === 'time_archived');
    const rows = db.prepare(`SELECT id, directory, title, time_updated FROM session WHERE parent_id IS NULL${archived ? ' AND time_archived IS NULL' : ''}`).all();
    const out: DirectSessionInfo[] = [];
    for (const raw of rows) {
      const r = v.safeParse(Row, raw);
      if (r.success) out.push(info(r.output.id, r.output.directory, r.output.title, r.output.time_updated));
    }
    return out;
  } catch {
    return []; // a schema we do not know, or a locked file: no direct sessions rather than a crash
  } finally {
    db?.close();
  }
}
