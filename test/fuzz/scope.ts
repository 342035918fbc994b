// Which account and which session a changed database row belongs to, for "this change stayed in bounds" checks.
import type { RowChange, Snapshot } from './db-snapshot.ts';

/** Tables whose rows hang off a session (their account is the session's). */
const BY_SESSION = new Set(['messages', 'resume_attempts', 'seen_events']);

export function sessionOfChange(c: RowChange): string | null {
  const row = c.after ?? c.before!;
  if (c.table === 'sessions') return String(row.id);
  if (BY_SESSION.has(c.table) || c.table === 'shares') return String(row.session_id);
  return null;
}

/** The account a changed row belongs to, looked up in the snapshot taken after the change. */
export function accountOfChange(c: RowChange, after: Snapshot): string | null {
  const row = c.after ?? c.before!;
  if (c.table === 'accounts') return String(row.id);
  if (typeof row.account_id === 'string') return row.account_id;
  if (BY_SESSION.has(c.table)) {
    const session = after.get('sessions')?.get(String(row.session_id));
    return session ? String(session.account_id) : null;
  }
  return null;
}
