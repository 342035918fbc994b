// Opens `<home>/baton.db`: WAL, foreign keys, and every pending migration applied in order.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS } from './migrations.ts';

export type Db = Database.Database;

export function databasePath(home: string): string {
  return join(home, 'baton.db');
}

export function openDatabase(home: string): Db {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const db = new Database(databasePath(home));
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  // A second process (e.g. `baton pair` while the server runs) waits instead of failing.
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  db.exec('CREATE TABLE IF NOT EXISTS migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const done = new Set((db.prepare('SELECT id FROM migrations').all() as { id: number }[]).map((r) => r.id));
  for (const m of MIGRATIONS) {
    if (done.has(m.id)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO migrations (id, name, applied_at) VALUES (?, ?, ?)').run(m.id, m.name, Date.now());
    }).immediate();
  }
}
