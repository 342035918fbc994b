// What a share link's reader gets: the transcript and the session's title, without the machine's folders,
// ids or the vendor's ids (a reader needs none of them, and a link travels further than a device token).
import type { MessageRecord, SharedSessionRecord } from '../core/index.ts';
import { toMessageRecord, type MessageRow } from './store/messages.ts';
import type { SessionRow } from './store/sessions.ts';

export function sharedSessionView(row: SessionRow): SharedSessionRecord {
  return {
    id: row.id,
    provider: row.provider,
    backend: row.backend,
    title: row.title,
    status: row.status,
    archived: row.archived === 1,
    awaitingPermission: row.awaiting_permission === 1,
    createdAt: row.created_at,
    lastActivityAt: row.last_activity_at,
  };
}

/**
 * A message without its sender's idempotency key, a failure's detail (which can name paths and vendor ids) or which
 * of the account's devices answered a permission (the reader sees the decision, not the owner's devices).
 */
export function sharedMessage(m: MessageRecord): MessageRecord {
  const permission = m.permission === null ? null : { permissionId: m.permission.permissionId, tool: m.permission.tool, input: m.permission.input, decision: m.permission.decision };
  return { ...m, clientId: null, failure: m.failure === null ? null : { code: m.failure.code, detail: '' }, permission };
}

export function sharedMessageView(row: MessageRow): MessageRecord {
  return sharedMessage(toMessageRecord(row));
}
