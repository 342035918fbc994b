// SQLite's "could not write" failures (a full disk, a read-only one, an I/O error) as a 507 that names the file,
// instead of a 500 that says nothing. The transaction was rolled back: nothing of the request was stored.
import { BatonError } from '../../core/index.ts';
import type { Db } from './open-database.ts';

/** SQLite result codes (and their extended forms) that mean the write could not reach the disk. */
const STORAGE_CODES = /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN)/;

/** Why the database could not be written, in words (null when `err` is no storage failure). */
export function storageReason(err: unknown, db: Db): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !STORAGE_CODES.test(code)) return null;
  if (code.startsWith('SQLITE_FULL')) return atSizeCap(db) ? 'the database reached its size limit (--max-db-mb)' : 'the disk it is on is full';
  return code.startsWith('SQLITE_READONLY') ? 'the disk it is on is read-only (or the file is)' : `the disk failed (${code})`;
}

/** A BatonError for a storage failure, or null when `err` is something else. */
export function storageFailure(err: unknown, db: Db): BatonError | null {
  const why = storageReason(err, db);
  if (why === null) return null;
  return new BatonError('insufficient-storage', `the server could not write its database ${db.name}: ${why}. Nothing of this request was stored; free space there (or fix the disk) and try again.`);
}

function atSizeCap(db: Db): boolean {
  try {
    const max = db.pragma('max_page_count', { simple: true }) as number;
    const count = db.pragma('page_count', { simple: true }) as number;
    return count >= max - 1;
  } catch {
    return false;
  }
}
