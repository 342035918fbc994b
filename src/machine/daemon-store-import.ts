// Moves a store of an earlier release (one JSON file, daemon/state.json) into SQLite on first start, so a
// user's sessions, delivered ids, attempts and unsent frames survive the upgrade. The file is kept, renamed.
import type Database from 'better-sqlite3';
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile } from './json-file.ts';

interface JsonStore {
  version: 1;
  sessions?: Record<string, { sessionId: string; provider: string; backend: string; cwd: string; title: string; vendorId: string | null; resumable: boolean; pid: number | null; startRequestId: string | null }>;
  delivered?: Record<string, string[]>;
  attempts?: Record<string, { sessionId: string }>;
  outbox?: { seq: number; frame: unknown }[];
}

export const JSON_STORE = 'state.json';

export function importJsonStore(db: Database.Database, dir: string): void {
  const file = join(dir, JSON_STORE);
  if (!existsSync(file)) return;
  const done = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'imported-json'").get();
  if (!done) {
    const data = readJsonFile<JsonStore>(file);
    if (!data || data.version !== 1) throw new Error(`${file} is not a Baton daemon store this release can read (version ${String(data?.version)})`);
    db.transaction(() => {
      const put = db.prepare(`INSERT OR REPLACE INTO sessions (session_id, provider, backend, cwd, title, vendor_id, resumable, pid, start_request_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      for (const s of Object.values(data.sessions ?? {})) {
        put.run(s.sessionId, s.provider, s.backend, s.cwd, s.title, s.vendorId, s.resumable ? 1 : 0, s.pid, s.startRequestId);
      }
      const mark = db.prepare('INSERT OR IGNORE INTO delivered (session_id, message_id) VALUES (?, ?)');
      for (const [sessionId, ids] of Object.entries(data.delivered ?? {})) for (const id of ids) mark.run(sessionId, id);
      const attempt = db.prepare('INSERT OR REPLACE INTO attempts (attempt_id, session_id, result) VALUES (?, ?, ?)');
      for (const [id, r] of Object.entries(data.attempts ?? {})) attempt.run(id, r.sessionId, JSON.stringify(r));
      // Same seqs, same order: frames queued before the upgrade go first.
      const queue = db.prepare('INSERT INTO outbox (seq, frame) VALUES (?, ?)');
      for (const f of data.outbox ?? []) queue.run(f.seq, JSON.stringify(f.frame));
      db.prepare("INSERT INTO meta (key, value) VALUES ('imported-json', ?)").run(String(Date.now()));
    }).immediate();
  }
  // After the commit: a crash before the rename only repeats the rename next time, never the import.
  renameSync(file, `${file}.imported`);
}
