// The embedded database: `<home>/baton.db` through better-sqlite3 — owner-only files, WAL, every commit on disk
// before it is acknowledged, foreign keys, and every pending migration applied in order.
import Database from 'better-sqlite3';
import { accessSync, chmodSync, closeSync, constants, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { Db, Statement } from './db.ts';
import { HomeUnusableError } from './home-error.ts';
import { MIGRATIONS, refuseNewerSchema } from './migrations.ts';

export interface SqliteDb extends Db {
  readonly dialect: 'sqlite';
  /** The better-sqlite3 handle, for what only SQLite has (its size cap, its pragmas). */
  readonly raw: Database.Database;
}

export function databasePath(home: string): string {
  return join(home, 'baton.db');
}

/** The database and the journal files SQLite keeps beside it. */
export const databaseFiles = (home: string): string[] => ['', '-wal', '-shm'].map((suffix) => `${databasePath(home)}${suffix}`);

export interface SqliteOptions {
  /** A cap on the database's size, in bytes: past it a write fails as on a full disk (507), nothing is half-stored. */
  readonly maxBytes?: number;
}

export function openSqlite(home: string, options: SqliteOptions = {}): SqliteDb {
  const file = databasePath(home);
  prepareFiles(home, file);
  let raw: Database.Database;
  try {
    raw = new Database(file);
    raw.pragma('journal_mode = WAL');
  } catch (e) {
    throw new HomeUnusableError(file, `${(e as Error).message} (is its folder writable, its disk full or mounted read-only?)`);
  }
  raw.pragma('foreign_keys = ON');
  // A second process (e.g. `baton pair` while the server runs) waits instead of failing.
  raw.pragma('busy_timeout = 5000');
  // FULL: the WAL is fsynced at every commit, so a message the server answered 202 for survives a power cut
  // (NORMAL survives a crash of the process but may lose the last commits to a power loss). docs/security.md.
  raw.pragma('synchronous = FULL');
  if (options.maxBytes !== undefined) {
    const pageSize = raw.pragma('page_size', { simple: true }) as number;
    raw.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxBytes / pageSize))}`);
  }
  const db: SqliteDb = {
    dialect: 'sqlite',
    name: file,
    shared: false,
    raw,
    // better-sqlite3's statements and transactions already have the port's shape.
    prepare: <P extends unknown[] | object, R>(sql: string) => raw.prepare(sql) as unknown as Statement<P, R>,
    exec: (sql) => void raw.exec(sql),
    transaction: (fn) => raw.transaction(fn),
    close: () => raw.close(),
  };
  try {
    migrate(raw, file);
  } catch (e) {
    raw.close();
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

function migrate(raw: Database.Database, file: string): void {
  raw.exec('CREATE TABLE IF NOT EXISTS migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const done = new Set((raw.prepare('SELECT id FROM migrations').all() as { id: number }[]).map((r) => r.id));
  refuseNewerSchema(done, MIGRATIONS, file);
  for (const m of MIGRATIONS) {
    if (done.has(m.id)) continue;
    raw.transaction(() => {
      raw.exec(m.sql);
      raw.prepare('INSERT INTO migrations (id, name, applied_at) VALUES (?, ?, ?)').run(m.id, m.name, Date.now());
    }).immediate();
  }
}
