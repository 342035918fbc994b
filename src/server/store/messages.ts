// Reading the transcript of each session (per-session seq, idempotency keys, delivery states). Messages are written
// by the session port (session-snapshots.ts), one step of a session's machine at a time.
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

export function createMessageStore(db: Db) {
  const s = {
    get: db.prepare<[string], MessageRow>('SELECT * FROM messages WHERE id = ?'),
    byKey: db.prepare<[string, string, string], MessageRow>('SELECT * FROM messages WHERE session_id = ? AND origin = ? AND client_id = ?'),
    after: db.prepare<[string, number, number], MessageRow>('SELECT * FROM messages WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
    before: db.prepare<[string, number, number], MessageRow>('SELECT * FROM messages WHERE session_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?'),
    permission: db.prepare<[string, string], MessageRow>("SELECT * FROM messages WHERE session_id = ? AND role = 'permission' AND json_extract(permission, '$.permissionId') = ?"),
    lastOf: db.prepare<[string, number], MessageRow>("SELECT * FROM messages WHERE session_id = ? AND role IN ('user', 'agent') ORDER BY seq DESC LIMIT ?"),
  };
  return {
    get: (id: string): MessageRow | undefined => s.get.get(id),
    byClientId: (sessionId: string, origin: 'user' | 'agent', key: string): MessageRow | undefined => s.byKey.get(sessionId, origin, key),
    after: (sessionId: string, after: number, limit: number): MessageRow[] => s.after.all(sessionId, after, limit),
    /** The `limit` messages just before `before`, oldest first. */
    before: (sessionId: string, before: number, limit: number): MessageRow[] => s.before.all(sessionId, before, limit).reverse(),
    permission: (sessionId: string, permissionId: string): MessageRow | undefined => s.permission.get(sessionId, permissionId),
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
