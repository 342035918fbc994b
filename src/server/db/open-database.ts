// Opens the server's database: `<home>/baton.db` (SQLite, the default), or Postgres when a URL is given
// (`--database postgres://…` or BATON_DATABASE_URL), migrated to this build's schema either way.
import type { Db } from './db.ts';
import { openPostgres } from './postgres.ts';
import { openSqlite, type SqliteOptions } from './sqlite.ts';

export type { Db } from './db.ts';
export { HomeUnusableError } from './home-error.ts';
export { databaseFiles, databasePath } from './sqlite.ts';

export interface OpenDatabaseOptions extends SqliteOptions {
  /** A Postgres URL: the database lives there instead of in the home (which keeps the server's other files). */
  readonly url?: string;
}

export function openDatabase(home: string, options: OpenDatabaseOptions = {}): Db {
  if (options.url !== undefined) {
    if (options.maxBytes !== undefined) throw new Error('--max-db-mb caps the embedded SQLite database; size a Postgres database in Postgres');
    return openPostgres(options.url);
  }
  return openSqlite(home, options);
}
