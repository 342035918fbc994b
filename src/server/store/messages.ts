// The transcript of each session: per-session seq, idempotency keys, and each user message's delivery state.
import type { Db } from '../db/open-database.ts';
import type { AgentEntry, DeliveryState, MessageFailureCode, MessageRecord, MessageRole, PermissionInfo } from '../../core/index.ts';

export interface MessageRow {
  id: string;
  session_id: string;
  seq: number;
  role: MessageRole;
  origin: 'user' | 'agent';
  client_id: string | null;
  text: string;
  state: DeliveryState | null;
  failure_code: MessageFailureCode | null;
  failure_detail: string | null;
  tool: string | null;
  permission: string | null;
  attempt_id: string | null;
  created_at: number;
  updated_at: number;
  /** 1: delivered to an agent that went away before its turn ended (see migration 2). */
  turn_lost: number;
  /** While `held`: when the hold runs out (see migration 3). */
  held_until: number | null;
  /** JSON AgentEntry of an agent message with structure, and the key its later reports find it by (migration 20). */
  entry?: string | null;
  entry_key?: string | null;
}

export type NewMessage = Omit<MessageRow, 'seq' | 'updated_at' | 'failure_code' | 'failure_detail' | 'turn_lost' | 'held_until' | 'entry' | 'entry_key'> & { failure_code?: null; failure_detail?: null };

export function createMessageStore(db: Db) {
  const s = {
    nextSeq: db.prepare<[string], { seq: number }>('SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM messages WHERE session_id = ?'),
    insert: db.prepare(`INSERT INTO messages (id, session_id, seq, role, origin, client_id, text, state, tool, permission, attempt_id, created_at, updated_at)
      VALUES (@id, @session_id, @seq, @role, @origin, @client_id, @text, @state, @tool, @permission, @attempt_id, @created_at, @created_at)`),
    get: db.prepare<[string], MessageRow>('SELECT * FROM messages WHERE id = ?'),
    byKey: db.prepare<[string, string, string], MessageRow>('SELECT * FROM messages WHERE session_id = ? AND origin = ? AND client_id = ?'),
    inState: db.prepare<[string, string], MessageRow>('SELECT * FROM messages WHERE session_id = ? AND state = ? ORDER BY seq'),
    inTurn: db.prepare<[string], MessageRow>("SELECT * FROM messages WHERE session_id = ? AND state = 'delivered' AND turn_lost = 0 ORDER BY seq"),
    loseTurn: db.prepare("UPDATE messages SET turn_lost = 1 WHERE session_id = ? AND state = 'delivered' AND turn_lost = 0"),
    ofAttempt: db.prepare<[string], MessageRow>("SELECT * FROM messages WHERE attempt_id = ? AND state = 'awaiting-resume' ORDER BY seq"),
    setState: db.prepare('UPDATE messages SET state = ?, failure_code = ?, failure_detail = ?, updated_at = ? WHERE id = ?'),
    setPermission: db.prepare('UPDATE messages SET permission = ?, updated_at = ? WHERE id = ?'),
    setAttempt: db.prepare('UPDATE messages SET attempt_id = ? WHERE id = ?'),
    after: db.prepare<[string, number, number], MessageRow>('SELECT * FROM messages WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
    before: db.prepare<[string, number, number], MessageRow>('SELECT * FROM messages WHERE session_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?'),
    permission: db.prepare<[string, string], MessageRow>("SELECT * FROM messages WHERE session_id = ? AND role = 'permission' AND json_extract(permission, '$.permissionId') = ?"),
    openPermissions: db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM messages WHERE session_id = ? AND role = 'permission' AND json_extract(permission, '$.decision') IS NULL"),
    lastOf: db.prepare<[string, number], MessageRow>("SELECT * FROM messages WHERE session_id = ? AND role IN ('user', 'agent') ORDER BY seq DESC LIMIT ?"),
  };
  return {
    /** Appends with the next seq (callers hold the transaction, so seqs are gap-free). */
    insert(m: NewMessage): MessageRow {
      const seq = s.nextSeq.get(m.session_id)!.seq;
      s.insert.run({ ...m, seq });
      return s.get.get(m.id)!;
    },
    get: (id: string): MessageRow | undefined => s.get.get(id),
    byClientId: (sessionId: string, origin: 'user' | 'agent', key: string): MessageRow | undefined => s.byKey.get(sessionId, origin, key),
    inState: (sessionId: string, state: DeliveryState): MessageRow[] => s.inState.all(sessionId, state),
    /** Delivered messages the running agent's turn has not answered yet (what a `turn-end` answers). */
    inTurn: (sessionId: string): MessageRow[] => s.inTurn.all(sessionId),
    /** The session's agent went away mid-turn: its delivered messages will never be answered by a later agent. */
    loseTurn: (sessionId: string): void => void s.loseTurn.run(sessionId),
    awaitingAttempt: (attemptId: string): MessageRow[] => s.ofAttempt.all(attemptId),
    setState(id: string, state: DeliveryState, now: number, failure: { code: MessageFailureCode; detail: string } | null = null): MessageRow {
      s.setState.run(state, failure?.code ?? null, failure?.detail ?? null, now, id);
      return s.get.get(id)!;
    },
    /** Binds a message to the resume attempt it waits for (before it moves to awaiting-resume). */
    setAttempt(id: string, attemptId: string): MessageRow {
      s.setAttempt.run(attemptId, id);
      return s.get.get(id)!;
    },
    setPermission(id: string, permission: PermissionInfo, now: number): MessageRow {
      s.setPermission.run(JSON.stringify(permission), now, id);
      return s.get.get(id)!;
    },
    after: (sessionId: string, after: number, limit: number): MessageRow[] => s.after.all(sessionId, after, limit),
    /** The `limit` messages just before `before`, oldest first. */
    before: (sessionId: string, before: number, limit: number): MessageRow[] => s.before.all(sessionId, before, limit).reverse(),
    permission: (sessionId: string, permissionId: string): MessageRow | undefined => s.permission.get(sessionId, permissionId),
    openPermissionCount: (sessionId: string): number => s.openPermissions.get(sessionId)!.n,
    /** The last user and agent messages, oldest first (for a summary seeding a new session). */
    lastConversation: (sessionId: string, limit: number): MessageRow[] => s.lastOf.all(sessionId, limit).reverse(),
  };
}
export type MessageStore = ReturnType<typeof createMessageStore>;

export function toMessageRecord(row: MessageRow): MessageRecord {
  return {
    id: row.id,
    sessionId: row.session_id,
    seq: row.seq,
    role: row.role,
    text: row.text,
    clientId: row.client_id,
    state: row.state,
    failure: row.failure_code === null ? null : { code: row.failure_code, detail: row.failure_detail ?? '' },
    ...(row.state === 'held' && row.held_until !== null ? { heldUntil: row.held_until } : {}),
    tool: row.tool,
    permission: row.permission === null ? null : (JSON.parse(row.permission) as PermissionInfo),
    ...(row.entry ? { entry: JSON.parse(row.entry) as AgentEntry } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
