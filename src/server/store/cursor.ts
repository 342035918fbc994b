// The per-account change cursor: every change bumps it and stamps the changed rows with the new value.
import type { Db } from '../db/open-database.ts';

export interface CursorStore {
  current(accountId: string): number;
  bump(accountId: string): number;
}

export function createCursorStore(db: Db): CursorStore {
  const get = db.prepare<[string], { cursor: number }>('SELECT cursor FROM accounts WHERE id = ?');
  const bump = db.prepare<[string], { cursor: number }>('UPDATE accounts SET cursor = cursor + 1 WHERE id = ? RETURNING cursor');
  return {
    current: (accountId) => get.get(accountId)?.cursor ?? 0,
    bump: (accountId) => {
      const row = bump.get(accountId);
      if (!row) throw new Error(`no account ${accountId}`);
      return row.cursor;
    },
  };
}
