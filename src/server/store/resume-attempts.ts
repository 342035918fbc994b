// Strict-resume attempts: one row per attempt, pending until the daemon (or a timeout) decides it.
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
    insert: db.prepare("INSERT INTO resume_attempts (id, session_id, machine_id, state, started_at) VALUES (?, ?, ?, 'pending', ?)"),
    get: db.prepare<[string], AttemptRow>('SELECT * FROM resume_attempts WHERE id = ?'),
    pendingOfSession: db.prepare<[string], AttemptRow>("SELECT * FROM resume_attempts WHERE session_id = ? AND state = 'pending' ORDER BY started_at LIMIT 1"),
    pendingOfMachine: db.prepare<[string], AttemptRow>("SELECT * FROM resume_attempts WHERE machine_id = ? AND state = 'pending' ORDER BY started_at"),
    allPending: db.prepare<[], AttemptRow>("SELECT * FROM resume_attempts WHERE state = 'pending'"),
    ofSession: db.prepare<[string], AttemptRow>('SELECT * FROM resume_attempts WHERE session_id = ? ORDER BY started_at, rowid'),
    last: db.prepare<[string], AttemptRow>('SELECT * FROM resume_attempts WHERE session_id = ? ORDER BY started_at DESC, rowid DESC LIMIT 1'),
    set: db.prepare('UPDATE resume_attempts SET state = ?, code = ?, detail = ?, ended_at = ? WHERE id = ?'),
  };
  return {
    insert(id: string, sessionId: string, machineId: string, now: number): AttemptRow {
      s.insert.run(id, sessionId, machineId, now);
      return s.get.get(id)!;
    },
    get: (id: string): AttemptRow | undefined => s.get.get(id),
    pendingOfSession: (sessionId: string): AttemptRow | undefined => s.pendingOfSession.get(sessionId),
    pendingOfMachine: (machineId: string): AttemptRow[] => s.pendingOfMachine.all(machineId),
    allPending: (): AttemptRow[] => s.allPending.all(),
    ofSession: (sessionId: string): AttemptRow[] => s.ofSession.all(sessionId),
    last: (sessionId: string): AttemptRow | undefined => s.last.get(sessionId),
    set(id: string, state: ResumeState, code: ResumeFailureCode | null, detail: string | null, endedAt: number | null): AttemptRow {
      s.set.run(state, code, detail, endedAt, id);
      return s.get.get(id)!;
    },
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
