// Which database a test's server uses. By default SQLite in the server's home. With BATON_TEST_POSTGRES set to a
// Postgres URL (scripts/test-all.sh starts a throw-away cluster and runs the server suites again with it), each home
// gets a schema of its own in that database, named by the home's path: a server started again on the same home finds
// its data, as it would in `<home>/baton.db`.
import { createHash } from 'node:crypto';
import { openBridge, type Bridge } from '../../src/server/db/pg-bridge.ts';
import { openDatabase, type Db } from '../../src/server/db/open-database.ts';

export const TEST_POSTGRES = process.env.BATON_TEST_POSTGRES || null;

let admin: Bridge | null = null;

/** The Postgres URL of `home`'s schema (made if missing), or null on SQLite. */
export function postgresUrlFor(home: string): string | null {
  if (!TEST_POSTGRES) return null;
  const schema = `t_${createHash('sha256').update(home).digest('hex').slice(0, 20)}`;
  admin ??= openBridge(TEST_POSTGRES);
  admin.call({ op: 'exec', text: `CREATE SCHEMA IF NOT EXISTS ${schema}` });
  const url = new URL(TEST_POSTGRES);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** Server options choosing `home`'s database: nothing on SQLite, `databaseUrl` on Postgres. */
export function databaseFor(home: string): { databaseUrl?: string } {
  const url = postgresUrlFor(home);
  return url ? { databaseUrl: url } : {};
}

/** `baton server` arguments choosing `home`'s database. */
export function databaseArgs(home: string): string[] {
  const url = postgresUrlFor(home);
  return url ? ['--database', url] : [];
}

const open = new Map<string, Db>();

/**
 * Opens `home`'s database as the server does (for tests that read or change rows behind its back). On Postgres the
 * connection is kept for the next call (opening one costs a worker and a connection; `close` leaves it open).
 */
export function openTestDatabase(home: string): Db {
  const url = postgresUrlFor(home);
  if (!url) return openDatabase(home);
  let db = open.get(url);
  if (!db) open.set(url, (db = openDatabase(home, { url })));
  return { ...db, close: () => {} };
}
