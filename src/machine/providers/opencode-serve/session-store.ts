// Reads OpenCode's own session store without starting a server: the JSON files of older releases
// ($XDG_DATA_HOME/opencode/storage/session/<project>/<id>.json) and the SQLite database of newer ones (opencode.db).
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
  time: v.object({ created: v.number(), updated: v.optional(v.number()) }),
});

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return []; // no store yet (OpenCode never ran here): no sessions
  }
}

/**
 * Every top-level session in the store. Child sessions (a subagent's, with a `parentID`) are skipped:
 * they are parts of another conversation, not something to take over. Unreadable files are skipped.
 */
export async function readOpencodeSessions(env: Readonly<Record<string, string | undefined>>): Promise<DirectSessionInfo[]> {
  const byId = new Map<string, DirectSessionInfo>();
  for (const s of [...(await readJsonStore(env)), ...readDatabase(env)]) {
    const prior = byId.get(s.vendorResumeId);
    if (!prior || prior.updatedAt < s.updatedAt) byId.set(s.vendorResumeId, s);
  }
  return [...byId.values()].sort((a, b) => b.updatedAt - a.updatedAt);
}

async function readJsonStore(env: Readonly<Record<string, string | undefined>>): Promise<DirectSessionInfo[]> {
  const root = join(opencodeDataDir(env), 'storage', 'session');
  const out: DirectSessionInfo[] = [];
  for (const project of await list(root)) {
    for (const file of await list(join(root, project))) {
      if (!file.endsWith('.json')) continue;
      let parsed: v.InferOutput<typeof SessionFile>;
      try {
        const r = v.safeParse(SessionFile, JSON.parse(await readFile(join(root, project, file), 'utf8')));
        if (!r.success) continue;
        parsed = r.output;
      } catch {
        continue;
      }
      if (parsed.parentID) continue;
      out.push({
        provider: 'opencode',
        backend: 'opencode-serve',
        vendorResumeId: parsed.id,
        cwd: parsed.directory,
        title: (parsed.title || parsed.id).slice(0, LIMITS.titleChars),
        updatedAt: Math.max(0, Math.floor(parsed.time.updated ?? parsed.time.created)),
      });
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

/** Newer releases keep sessions in `opencode.db` (table `session`); opened read-only so a running OpenCode is undisturbed. */
function readDatabase(env: Readonly<Record<string, string | undefined>>): DirectSessionInfo[] {
  const path = join(opencodeDataDir(env), 'opencode.db');
  if (!existsSync(path)) return [];
  let db: Database.Database | null = null;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const rows = db.prepare('SELECT id, directory, title, time_updated FROM session WHERE parent_id IS NULL').all();
    const out: DirectSessionInfo[] = [];
    for (const raw of rows) {
      const r = v.safeParse(Row, raw);
      if (!r.success) continue;
      out.push({
        provider: 'opencode', backend: 'opencode-serve', vendorResumeId: r.output.id, cwd: r.output.directory,
        title: (r.output.title || r.output.id).slice(0, LIMITS.titleChars), updatedAt: Math.max(0, Math.floor(r.output.time_updated)),
      });
    }
    return out;
  } catch {
    return []; // a schema we do not know, or a locked file: no direct sessions rather than a crash
  } finally {
    db?.close();
  }
}
