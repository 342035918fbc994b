// The database's "could not write" failures as errors that say where and why, instead of a 500 that says nothing:
// SQLite's full, read-only or failing disk (507, naming the file), and Postgres's full disk (507) or lost link (503).
// The transaction was rolled back: nothing of the request was stored.
import { BatonError } from '../../core/index.ts';
import type { Db } from './db.ts';
import { PostgresError } from './pg-bridge.ts';
import type { SqliteDb } from './sqlite.ts';

/** SQLite result codes (and their extended forms) that mean the write could not reach the disk. */
const STORAGE_CODES = /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN)/;

/** Why the database could not be written, in words (null when `err` is no storage failure). */
export function storageReason(err: unknown, db: Db): string | null {
  if (err instanceof PostgresError) return postgresReason(err);
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !STORAGE_CODES.test(code)) return null;
  if (code.startsWith('SQLITE_FULL')) return atSizeCap(db) ? 'the database reached its size limit (--max-db-mb)' : 'the disk it is on is full';
  return code.startsWith('SQLITE_READONLY') ? 'the disk it is on is read-only (or the file is)' : `the disk failed (${code})`;
}

/** A BatonError for a storage failure, or null when `err` is something else. */
export function storageFailure(err: unknown, db: Db): BatonError | null {
  const why = storageReason(err, db);
  if (why === null) return null;
  const lost = err instanceof PostgresError && linkLost(err);
  return new BatonError(lost ? 'unavailable' : 'insufficient-storage', `the server could not write its database ${db.name}: ${why}. Nothing of this request was stored; ${lost ? 'try again in a moment' : 'free space there (or fix the disk) and try again'}.`);
}

function postgresReason(err: PostgresError): string | null {
  if (err.code === '53100') return 'the disk Postgres writes to is full';
  if (err.code?.startsWith('53')) return `Postgres is out of resources (${err.message})`;
  if (err.code === '25006') return 'Postgres is read-only (a standby?)';
  if (linkLost(err)) return `the link to Postgres failed (${err.message})`;
  return null;
}

/** No answer, a broken connection, or a server going down: the outcome is unknown, the request may be tried again. */
function linkLost(err: PostgresError): boolean {
  return err.code === null || !/^[0-9A-Z]{5}$/.test(err.code) || /^(08|57P)/.test(err.code);
}

function atSizeCap(db: Db): boolean {
  if (db.dialect !== 'sqlite') return false;
  try {
    const raw = (db as SqliteDb).raw;
    const max = raw.pragma('max_page_count', { simple: true }) as number;
    const count = raw.pragma('page_count', { simple: true }) as number;
    return count >= max - 1;
  } catch {
    return false;
  }
}
