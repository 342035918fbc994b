// The daemon's durable memory in $BATON_HOME/daemon/state.db (SQLite, 0600 in a 0700 folder): managed
// sessions, delivered message ids, settled resume attempts, frames not yet confirmed and frames given up
// on. A restart or reboot reads it back, so no message is written to an agent twice and no attempt is
// resumed twice. Each change is one small transaction (fsynced), not a rewrite of everything.
import Database from 'better-sqlite3';
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import {
  asMessageId, asSessionId, asVendorId,
  type Backend, type MachineUp, type MessageId, type Provider, type ResumeFailureCode, type SessionId, type VendorId,
} from '../core/index.ts';
import { importJsonStore } from './daemon-store-import.ts';
import { DAEMON_SCHEMA } from './daemon-store-schema.ts';

export interface StoredSession {
  readonly sessionId: SessionId;
  readonly provider: Provider;
  readonly backend: Backend;
  readonly cwd: string;
  readonly title: string;
  /** The vendor's id as captured at start or bound by adopt/resume. */
  readonly vendorId: VendorId | null;
  /** The vendor persisted the session: it can be reopened by `vendorId`. */
  readonly resumable: boolean;
  /** The agent process, while this daemon runs it; null once it exited. */
  readonly pid: number | null;
  /** The `start` request that created it, so a repeated start re-reports instead of starting twice. */
  readonly startRequestId: string | null;
}

export type AttemptResult =
  | { readonly ok: true; readonly sessionId: SessionId; readonly vendorResumeId: VendorId }
  | { readonly ok: false; readonly sessionId: SessionId; readonly code: ResumeFailureCode; readonly detail: string };

/** An outbound frame waiting to be confirmed; `seq` orders them and names them for removal. */
export interface QueuedFrame {
  readonly seq: number;
  readonly frame: MachineUp;
  /** How often the server said it could not store this frame, and since when. */
  readonly failures: number;
  readonly firstFailedAt: number | null;
}

/** A frame the server kept failing to store, taken out of the outbox so the frames behind it flow (kept for diagnosis). */
export interface ParkedFrame {
  readonly seq: number;
  readonly frame: MachineUp;
  readonly failures: number;
  readonly parkedAt: number;
  readonly lastError: string;
}

/** Settled attempts kept for re-reports; older ones are long resolved on the server. */
const MAX_ATTEMPTS = 2_000;
const MAX_DELIVERED_PER_SESSION = 10_000;

export interface DaemonStore {
  /** Sessions the daemon still works with (forgotten ones left out: they are archived on the server). */
  sessions(): StoredSession[];
  /** One session, also a forgotten one (its vendor id is still this machine's record of it). */
  session(id: string): StoredSession | null;
  /** Stores (or replaces) a session; a forgotten one is remembered again. */
  putSession(s: StoredSession): void;
  patchSession(id: string, patch: Partial<Omit<StoredSession, 'sessionId'>>): StoredSession | null;
  /**
   * The server archived the session: drop what only a working session needs (delivered ids, attempts) and
   * leave it out of hello. Its vendor id stays, so a later resume or adopt is still checked against it.
   */
  forget(sessionId: string): boolean;
  /** Every vendor id this machine manages, forgotten sessions' and aliases included. */
  vendorIds(): Set<string>;
  /** Another vendor id a session is known by (codex-mcp's thread id beside its local one). */
  addAlias(sessionId: string, vendorId: string): void;
  isDelivered(sessionId: string, messageId: string): boolean;
  /** The newest `n` message ids written (or about to be written) to this session's agent, oldest first. */
  recentDelivered(sessionId: string, n: number): MessageId[];
  markDelivered(sessionId: string, messageId: string): void;
  unmarkDelivered(sessionId: string, messageId: string): void;
  attempt(attemptId: string): AttemptResult | null;
  putAttempt(attemptId: string, result: AttemptResult): void;
  enqueue(frame: MachineUp): QueuedFrame;
  /** Queued frames in order, only those after `seq` when given. */
  outbox(afterSeq?: number): QueuedFrame[];
  outboxSize(): number;
  /** Drop every queued frame up to and including `seq` (the server has applied them). */
  dropThrough(seq: number): void;
  /** Drop queued frames that no longer tell the truth (see the daemon's hello); returns how many. */
  dropWhere(stale: (frame: MachineUp) => boolean): number;
  /** The server could not store frame `seq`: count it; returns the frame's count and first failure, or null if gone. */
  noteFailure(seq: number, at: number, error: string): { failures: number; firstFailedAt: number } | null;
  /** Take frame `seq` out of the outbox for good (kept in `parked()`). */
  park(seq: number, at: number): void;
  parked(): ParkedFrame[];
  close(): void;
}

interface SessionRow {
  session_id: string; provider: Provider; backend: Backend; cwd: string; title: string; vendor_id: string | null;
  resumable: number; pid: number | null; start_request_id: string | null; forgotten: number;
}
interface OutboxRow { seq: number; frame: string; failures: number; first_failed_at: number | null }

// Rows are this daemon's own records: their ids were parsed when they first arrived, so they are branded here, once.
const toSession = (r: SessionRow): StoredSession => ({
  sessionId: asSessionId(r.session_id), provider: r.provider, backend: r.backend, cwd: r.cwd, title: r.title, vendorId: r.vendor_id === null ? null : asVendorId(r.vendor_id),
  resumable: r.resumable === 1, pid: r.pid, startRequestId: r.start_request_id,
});
const toQueued = (r: OutboxRow): QueuedFrame => ({ seq: r.seq, frame: JSON.parse(r.frame) as MachineUp, failures: r.failures, firstFailedAt: r.first_failed_at });

export function databaseFile(dir: string): string {
  return join(dir, 'state.db');
}

/** The store in `dir` (created 0700, the database 0600); `dir` null keeps it in memory only (tests). */
export function openDaemonStore(dir: string | null): DaemonStore {
  let db: Database.Database;
  if (dir === null) {
    db = new Database(':memory:');
  } else {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    const file = databaseFile(dir);
    // Created 0600 before SQLite opens it: its -wal and -shm files take the database file's mode.
    closeSync(openSync(file, 'a', 0o600));
    chmodSync(file, 0o600);
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    // Every commit reaches the disk: the outbox and the delivered ids are what make a crash lose nothing.
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
  }
  db.exec(DAEMON_SCHEMA);
  if (dir !== null) importJsonStore(db, dir);

  const q = {
    sessions: db.prepare<[], SessionRow>('SELECT * FROM sessions WHERE forgotten = 0 ORDER BY rowid'),
    session: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE session_id = ?'),
    put: db.prepare(`INSERT INTO sessions (session_id, provider, backend, cwd, title, vendor_id, resumable, pid, start_request_id, forgotten)
      VALUES (@session_id, @provider, @backend, @cwd, @title, @vendor_id, @resumable, @pid, @start_request_id, 0)
      ON CONFLICT (session_id) DO UPDATE SET provider = excluded.provider, backend = excluded.backend, cwd = excluded.cwd, title = excluded.title,
        vendor_id = excluded.vendor_id, resumable = excluded.resumable, pid = excluded.pid, start_request_id = excluded.start_request_id, forgotten = 0`),
    forget: db.prepare('UPDATE sessions SET forgotten = 1 WHERE session_id = ? AND forgotten = 0 AND pid IS NULL'),
    vendorIds: db.prepare<[], { v: string }>('SELECT vendor_id AS v FROM sessions WHERE vendor_id IS NOT NULL UNION SELECT vendor_id FROM aliases'),
    alias: db.prepare('INSERT OR IGNORE INTO aliases (session_id, vendor_id) VALUES (?, ?)'),
    isDelivered: db.prepare<[string, string], { n: number }>('SELECT 1 AS n FROM delivered WHERE session_id = ? AND message_id = ?'),
    recentDelivered: db.prepare<[string, number], { m: string }>('SELECT message_id AS m FROM delivered WHERE session_id = ? ORDER BY seq DESC LIMIT ?'),
    markDelivered: db.prepare('INSERT OR IGNORE INTO delivered (session_id, message_id) VALUES (?, ?)'),
    trimDelivered: db.prepare(`DELETE FROM delivered WHERE session_id = @s AND seq <= (
      SELECT seq FROM delivered WHERE session_id = @s ORDER BY seq DESC LIMIT 1 OFFSET ${MAX_DELIVERED_PER_SESSION})`),
    unmarkDelivered: db.prepare('DELETE FROM delivered WHERE session_id = ? AND message_id = ?'),
    dropDelivered: db.prepare('DELETE FROM delivered WHERE session_id = ?'),
    attempt: db.prepare<[string], { result: string }>('SELECT result FROM attempts WHERE attempt_id = ?'),
    putAttempt: db.prepare('INSERT OR REPLACE INTO attempts (attempt_id, session_id, result) VALUES (?, ?, ?)'),
    trimAttempts: db.prepare(`DELETE FROM attempts WHERE rowid <= (SELECT max(rowid) FROM attempts) - ${MAX_ATTEMPTS}`),
    dropAttempts: db.prepare('DELETE FROM attempts WHERE session_id = ?'),
    enqueue: db.prepare<[string], OutboxRow>('INSERT INTO outbox (frame) VALUES (?) RETURNING seq, frame, failures, first_failed_at'),
    outbox: db.prepare<[number], OutboxRow>('SELECT seq, frame, failures, first_failed_at FROM outbox WHERE seq > ? ORDER BY seq'),
    outboxSize: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM outbox'),
    dropThrough: db.prepare('DELETE FROM outbox WHERE seq <= ?'),
    dropSeq: db.prepare('DELETE FROM outbox WHERE seq = ?'),
    noteFailure: db.prepare<[{ seq: number; error: string; at: number }], { failures: number; first_failed_at: number }>(
      'UPDATE outbox SET failures = failures + 1, first_failed_at = coalesce(first_failed_at, @at), last_error = @error WHERE seq = @seq RETURNING failures, first_failed_at'),
    patch: db.prepare(`UPDATE sessions SET provider = @provider, backend = @backend, cwd = @cwd, title = @title, vendor_id = @vendor_id,
      resumable = @resumable, pid = @pid, start_request_id = @start_request_id WHERE session_id = @session_id`),
    park: db.prepare(`INSERT OR REPLACE INTO parked (seq, frame, failures, parked_at, last_error)
      SELECT seq, frame, failures, ?, coalesce(last_error, '') FROM outbox WHERE seq = ?`),
    parked: db.prepare<[], { seq: number; frame: string; failures: number; parked_at: number; last_error: string }>('SELECT * FROM parked ORDER BY seq'),
  };

  const forgetTx = db.transaction((id: string) => {
    if (q.forget.run(id).changes === 0) return false;
    q.dropDelivered.run(id);
    q.dropAttempts.run(id);
    return true;
  });
  const markTx = db.transaction((sessionId: string, messageId: string) => {
    if (q.markDelivered.run(sessionId, messageId).changes > 0) q.trimDelivered.run({ s: sessionId });
  });
  const attemptTx = db.transaction((id: string, result: AttemptResult) => {
    q.putAttempt.run(id, result.sessionId, JSON.stringify(result));
    q.trimAttempts.run();
  });
  const dropWhereTx = db.transaction((stale: (frame: MachineUp) => boolean) => {
    let n = 0;
    for (const r of q.outbox.all(0)) if (stale(JSON.parse(r.frame) as MachineUp)) n += q.dropSeq.run(r.seq).changes;
    return n;
  });
  const parkTx = db.transaction((seq: number, at: number) => {
    q.park.run(at, seq);
    q.dropSeq.run(seq);
  });

  const row = (s: StoredSession) => ({
    session_id: s.sessionId, provider: s.provider, backend: s.backend, cwd: s.cwd, title: s.title, vendor_id: s.vendorId,
    resumable: s.resumable ? 1 : 0, pid: s.pid, start_request_id: s.startRequestId,
  });

  return {
    sessions: () => q.sessions.all().map(toSession),
    session(id) {
      const r = q.session.get(id);
      return r ? toSession(r) : null;
    },
    putSession: (s) => void q.put.run(row(s)),
    patchSession(id, patch) {
      const cur = q.session.get(id);
      if (!cur) return null;
      const next = { ...toSession(cur), ...patch };
      // A patch keeps a forgotten session forgotten (only put revives it).
      q.patch.run(row(next));
      return next;
    },
    forget: (id) => forgetTx(id),
    vendorIds: () => new Set(q.vendorIds.all().map((r) => r.v)),
    addAlias: (sessionId, vendorId) => void q.alias.run(sessionId, vendorId),
    isDelivered: (sessionId, messageId) => q.isDelivered.get(sessionId, messageId) !== undefined,
    recentDelivered: (sessionId, n) => q.recentDelivered.all(sessionId, n).map((r) => asMessageId(r.m)).reverse(),
    markDelivered: (sessionId, messageId) => markTx(sessionId, messageId),
    unmarkDelivered: (sessionId, messageId) => void q.unmarkDelivered.run(sessionId, messageId),
    attempt(id) {
      const r = q.attempt.get(id);
      return r ? (JSON.parse(r.result) as AttemptResult) : null;
    },
    putAttempt: (id, result) => attemptTx(id, result),
    enqueue: (frame) => toQueued(q.enqueue.get(JSON.stringify(frame))!),
    outbox: (afterSeq = 0) => q.outbox.all(afterSeq).map(toQueued),
    outboxSize: () => q.outboxSize.get()!.n,
    dropThrough: (seq) => void q.dropThrough.run(seq),
    dropWhere: (stale) => dropWhereTx(stale),
    noteFailure(seq, at, error) {
      const r = q.noteFailure.get({ seq, error: error.slice(0, 2000), at });
      return r ? { failures: r.failures, firstFailedAt: r.first_failed_at } : null;
    },
    park: (seq, at) => parkTx(seq, at),
    parked: () => q.parked.all().map((r) => ({ seq: r.seq, frame: JSON.parse(r.frame) as MachineUp, failures: r.failures, parkedAt: r.parked_at, lastError: r.last_error })),
    close: () => {
      if (db.open) db.close();
    },
  };
}
