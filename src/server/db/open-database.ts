// Opens `<home>/baton.db`: owner-only files, WAL, every commit on disk before it is acknowledged, foreign keys,
// and every pending migration applied in order. A home it cannot write fails here, naming the path.
import Database from 'better-sqlite3';
import { accessSync, chmodSync, closeSync, constants, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS } from './migrations.ts';

export type Db = Database.Database;

export function databasePath(home: string): string {
  return join(home, 'baton.db');
}

/** The database and the journal files SQLite keeps beside it. */
export const databaseFiles = (home: string): string[] => ['', '-wal', '-shm'].map((suffix) => `${databasePath(home)}${suffix}`);

export interface OpenDatabaseOptions {
  /** A cap on the database's size, in bytes: past it a write fails as on a full disk (507), nothing is half-stored. */
  readonly maxBytes?: number;
}

/** A home the server cannot use; the message names the path and what to do. */
export class HomeUnusableError extends Error {
  constructor(readonly path: string, why: string) {
    super(`cannot use ${path} for the server's data: ${why}`);
    this.name = 'HomeUnusableError';
  }
}

export function openDatabase(home: string, options: OpenDatabaseOptions = {}): Db {
  const file = databasePath(home);
  prepareFiles(home, file);
  let db: Db;
  try {
    db = new Database(file);
    db.pragma('journal_mode = WAL');
  } catch (e) {
    throw new HomeUnusableError(file, `${(e as Error).message} (is its folder writable, its disk full or mounted read-only?)`);
  }
  db.pragma('foreign_keys = ON');
  // A second process (e.g. `baton pair` while the server runs) waits instead of failing.
  db.pragma('busy_timeout = 5000');
  // FULL: the WAL is fsynced at every commit, so a message the server answered 202 for survives a power cut
  // (NORMAL survives a crash of the process but may lose the last commits to a power loss). docs/security.md.
  db.pragma('synchronous = FULL');
  if (options.maxBytes !== undefined) {
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxBytes / pageSize))}`);
  }
  try {
    migrate(db);
  } catch (e) {
    db.close();
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN)/.test(code)) {
      throw new HomeUnusableError(file, `it cannot be written (${code === 'SQLITE_FULL' ? 'the disk is full' : code})`);
    }
    throw e;
  }
  return db;
}

/**
 * The home exists and is writable, and the database and its journal files are the owner's alone (0600) whatever
 * the folder's mode or the umask: the file is made 0600 before SQLite opens it (its -wal and -shm take the mode of
 * the database file), and an older install's 0644 files are tightened.
 */
function prepareFiles(home: string, file: string): void {
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new HomeUnusableError(home, `it cannot be created (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    accessSync(home, constants.W_OK);
    if (existsSync(file)) accessSync(file, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const path = (e as NodeJS.ErrnoException).path ?? home;
    throw new HomeUnusableError(path, code === 'EROFS' ? 'it is on a read-only file system' : `it is not writable by this user (${code}); pick another home with --home or BATON_HOME`);
  }
  try {
    closeSync(openSync(file, 'a', 0o600));
    for (const f of databaseFiles(home)) if (existsSync(f)) chmodSync(f, 0o600);
  } catch (e) {
    throw new HomeUnusableError(file, `it cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
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
