// The one port between the session loop and storage: load a session's snapshot, save a step's changes, add
// transcript lines, and find the sessions a machine or account event concerns. SQLite sits behind it
// (src/server/store/session-snapshots.ts); another database implements the same interface.
import type {
  AttemptId, EntryEvent, MessageId, SessionChanges, SessionFacts, SessionId, SessionSnapshot, SnapshotWants, TranscriptEntry, WorldFacts,
} from '../../core/index.ts';
import type { Tx } from '../context.ts';
import type { MessageRow } from '../store/messages.ts';

export interface SessionPort {
  /** The session with its open messages, its pending attempt and what `wants` names; null when there is none. */
  load(sessionId: SessionId, wants: SnapshotWants, world: (session: SessionFacts) => WorldFacts): SessionSnapshot | null;
  /**
   * Every session of a machine, oldest first, each loaded as `load` would with what `wantsOf` says it needs (only
   * `openPermissions` is read in bulk): a handful of queries for a hello over tens of thousands of sessions.
   */
  loadOfMachine(machineId: string, wantsOf: (sessionId: SessionId) => SnapshotWants, world: (session: SessionFacts) => WorldFacts): SessionSnapshot[];
  /**
   * Writes one step's changes in `tx`; a touched session gets the transaction's change cursor. Returns the message
   * rows it wrote, as stored (the hints to phones and a send's answer need no second read).
   */
  save(tx: Tx, session: SessionFacts, changes: SessionChanges): ReadonlyMap<string, MessageRow>;
  /** Stores a new session and its first messages. */
  create(tx: Tx, snapshot: SessionSnapshot): void;
  /** Adds a transcript line after the session's last message; returns it as stored. */
  append(tx: Tx, session: SessionFacts, entry: TranscriptEntry, at: number): MessageRow;
  /** Adds the entry of a structured agent report, or merges it into the one an earlier report of it added. */
  entry(tx: Tx, session: SessionFacts, eventId: string, event: EntryEvent, at: number): MessageRow;
  /** Marks tools still shown running as failed and streamed text as finished; the rows it changed. */
  settleEntries(tx: Tx, session: SessionFacts, at: number): MessageRow[];
  /** True the first time this agent event id is seen for the session (a daemon re-sends after reconnects). */
  markSeen(sessionId: SessionId, eventId: string): boolean;
  /** A message as stored (to tell phones what changed). */
  message(id: MessageId): MessageRow | undefined;
  /** Sessions of a machine with a start or a resume in flight (what a disconnect fails). */
  inFlightOn(machineId: string): SessionId[];
  /** Sessions of an account with held messages (what a settings change re-checks). */
  holdingIn(accountId: string): SessionId[];
  /**
   * Deadlines that passed and are still open (a resume begun before `startedBefore`, a message held until before
   * `heldBefore`), locked for this transaction and skipped when another instance's sweep has them (Postgres).
   */
  overdue(startedBefore: number, heldBefore: number, holdMs: number, limit: number): {
    readonly attempts: readonly { readonly sessionId: SessionId; readonly attemptId: AttemptId }[];
    readonly holds: readonly { readonly sessionId: SessionId; readonly messageId: MessageId }[];
  };
  /** After a restart: deadlines to arm again. */
  pendingAttempts(): readonly { readonly sessionId: SessionId; readonly attemptId: AttemptId; readonly startedAt: number }[];
  heldMessages(): readonly { readonly sessionId: SessionId; readonly messageId: MessageId; readonly heldUntil: number | null; readonly createdAt: number }[];
}
