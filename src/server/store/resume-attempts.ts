// Reading strict-resume attempts: one row per attempt, pending until the daemon (or a timeout) decides it. Attempts
// are written by the session port (session-snapshots.ts).
import type { Db } from '../db/open-database.ts';
import type { ResumeAttemptRecord, ResumeFailureCode, ResumeState } from '../../core/index.ts';

export interface AttemptRow {
  id: string;
  session_id: string;
  machine_id: string;
  state: ResumeState;
  code: ResumeFailureCode | null;
  detail: string | null;
  started_at: number;
  ended_at: number | null;
}

export function createAttemptStore(db: Db) {
  const s = {
    pendingOfSession: db.prepare<[string], AttemptRow>("SELECT * FROM resume_attempts WHERE session_id = ? AND state = 'pending' ORDER BY started_at LIMIT 1"),
    ofSession: db.prepare<[string], AttemptRow>('SELECT * FROM resume_attempts WHERE session_id = ? ORDER BY started_at, rowid'),
    last: db.prepare<[string], AttemptRow>('SELECT * FROM resume_attempts WHERE session_id = ? ORDER BY started_at DESC, rowid DESC LIMIT 1'),
  };
  return {
    pendingOfSession: (sessionId: string): AttemptRow | undefined => s.pendingOfSession.get(sessionId),
    ofSession: (sessionId: string): AttemptRow[] => s.ofSession.all(sessionId),
    last: (sessionId: string): AttemptRow | undefined => s.last.get(sessionId),
  };
}
export type AttemptStore = ReturnType<typeof createAttemptStore>;

export function toAttemptRecord(row: AttemptRow): ResumeAttemptRecord {
  return {
    id: row.id,
    sessionId: row.session_id,
    state: row.state,
    code: row.code,
    detail: row.detail,
    startedAt: row.started_at,
    endedAt: row.ended_at,
  };
}
