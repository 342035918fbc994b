// The session port on SQLite: every read and write one step of a session's machine needs, in one place. Rows become
// snapshots here (ids branded once), and a step's changes become rows; transcript lines are stored by `appendTranscript`.
import {
  asAccountId, asAttemptId, asMachineId, asMessageId, asSessionId, asVendorId,
  type AttemptSnap, type MessageSnap, type PermissionInfo, type RetryNotice, type SessionFacts, type SessionSnapshot, type TranscriptEntry, type WorldFacts,
} from '../../core/index.ts';
import type { Db } from '../db/open-database.ts';
import type { SessionPort } from '../orchestrator/session-port.ts';
import { newId } from '../tokens.ts';
import type { Stores } from './index.ts';
import type { MessageRow } from './messages.ts';
import { createAgentEntries } from './agent-entries.ts';
import type { AttemptRow } from './resume-attempts.ts';
import type { SessionRow } from './sessions.ts';

type Statement = ReturnType<Db['prepare']>;

export function createSessionSnapshots(db: Db, stores: Stores): SessionPort {
  const q = {
    session: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?'),
    // What can still move: held, accepted, awaiting a resume, or delivered and awaiting its turn's end. Named index: left
    // to itself the planner walks the (session, seq) index for the ORDER BY, reading the whole transcript per event.
    open: db.prepare<[string], MessageRow>(`SELECT * FROM messages INDEXED BY messages_state WHERE session_id = ? AND state IN ('held', 'accepted', 'awaiting-resume', 'delivered')
      AND NOT (state = 'delivered' AND turn_lost = 1) ORDER BY seq`),
    message: db.prepare<[string, string], MessageRow>('SELECT * FROM messages WHERE id = ? AND session_id = ?'),
    permission: db.prepare<[string, string], MessageRow>(`SELECT * FROM messages WHERE session_id = ? AND role = 'permission'
      AND json_extract(permission, '$.permissionId') = ?`),
    openPermissions: db.prepare<[string], MessageRow>(`SELECT * FROM messages WHERE session_id = ? AND role = 'permission'
      AND json_extract(permission, '$.decision') IS NULL ORDER BY seq`),
    pendingAttempt: db.prepare<[string], AttemptRow>("SELECT * FROM resume_attempts WHERE session_id = ? AND state = 'pending' ORDER BY started_at LIMIT 1"),
    attempt: db.prepare<[string, string], AttemptRow>('SELECT * FROM resume_attempts WHERE id = ? AND session_id = ?'),
    nextSeq: db.prepare<[string], { seq: number }>('SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM messages WHERE session_id = ?'),
    insertMessage: db.prepare(`INSERT INTO messages (id, session_id, seq, role, origin, client_id, text, state, failure_code, failure_detail,
      tool, permission, attempt_id, created_at, updated_at, turn_lost, held_until)
      VALUES (@id, @session_id, @seq, @role, @origin, @client_id, @text, @state, @failure_code, @failure_detail,
      @tool, @permission, @attempt_id, @created_at, @updated_at, @turn_lost, @held_until) RETURNING *`),
    getMessage: db.prepare<[string], MessageRow>('SELECT * FROM messages WHERE id = ?'),
    insertAttempt: db.prepare(`INSERT INTO resume_attempts (id, session_id, machine_id, state, code, detail, started_at, ended_at)
      VALUES (@id, @session_id, @machine_id, @state, @code, @detail, @started_at, @ended_at)`),
    setAttempt: db.prepare('UPDATE resume_attempts SET state = @state, code = @code, detail = @detail, ended_at = @ended_at WHERE id = @id'),
    seen: db.prepare<[string, string]>('INSERT OR IGNORE INTO seen_events (session_id, event_id) VALUES (?, ?)'),
    inFlight: db.prepare<[string, string], { id: string }>(`SELECT id FROM sessions WHERE machine_id = ? AND start_request_id IS NOT NULL
      UNION SELECT session_id FROM resume_attempts WHERE machine_id = ? AND state = 'pending'`),
    holding: db.prepare<[string], { id: string }>(`SELECT DISTINCT m.session_id AS id FROM messages m JOIN sessions s ON s.id = m.session_id
      WHERE m.state = 'held' AND s.account_id = ?`),
    allPending: db.prepare<[], AttemptRow>("SELECT * FROM resume_attempts WHERE state = 'pending'"),
    overdueAttempts: db.prepare<[number, number], { id: string; session_id: string }>(`SELECT id, session_id FROM resume_attempts
      WHERE state = 'pending' AND started_at < ? ORDER BY started_at LIMIT ?${lockSkipping(db)}`),
    overdueHolds: db.prepare<[number, number, number], { id: string; session_id: string }>(`SELECT id, session_id FROM messages
      WHERE state = 'held' AND COALESCE(held_until, created_at + ?) < ? ORDER BY created_at LIMIT ?${lockSkipping(db)}`),
    // The same reads for every session of a machine at once (a hello).
    machineSessions: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE machine_id = ? ORDER BY created_at, id'),
    machineOpen: db.prepare<[string], MessageRow>(`SELECT m.* FROM messages m JOIN sessions s ON s.id = m.session_id WHERE s.machine_id = ?
      AND m.state IN ('held', 'accepted', 'awaiting-resume', 'delivered') AND NOT (m.state = 'delivered' AND m.turn_lost = 1)`),
    machineOpenPermissions: db.prepare<[string], MessageRow>(`SELECT m.* FROM messages m JOIN sessions s ON s.id = m.session_id WHERE s.machine_id = ?
      AND m.role = 'permission' AND json_extract(m.permission, '$.decision') IS NULL`),
    machinePending: db.prepare<[string], AttemptRow>("SELECT * FROM resume_attempts WHERE machine_id = ? AND state = 'pending' ORDER BY started_at"),
    allHeld: db.prepare<[], MessageRow>("SELECT * FROM messages WHERE state = 'held'"),
  };
  // One UPDATE per set of columns (a handful exist), prepared once.
  const messageUpdates = new Map<string, Statement>();

  const insertMessage = (sessionId: string, m: MessageSnap, seq: number) => q.insertMessage.get(messageRow(sessionId, m, seq)) as MessageRow;

  /**
   * Stores one transcript line — what the agent said or did (text, tool use, its errors, a permission request) or a
   * notice of Baton's own — after the session's last message. The one place an agent event becomes a row.
   */
  function appendTranscript(sessionId: string, e: TranscriptEntry, at: number): MessageRow {
    const id = newId('msg');
    q.insertMessage.run({
      id, session_id: sessionId, seq: q.nextSeq.get(sessionId)!.seq, role: e.role, origin: 'agent', client_id: e.eventId, text: e.text, state: null,
      failure_code: null, failure_detail: null, tool: e.tool, permission: e.permission === null ? null : JSON.stringify(e.permission), attempt_id: null,
      created_at: at, updated_at: at, turn_lost: 0, held_until: null,
    });
    return q.getMessage.get(id)!;
  }

  const entries = createAgentEntries(db, appendTranscript, (id) => q.getMessage.get(id)!);

  /** Rows of a machine's sessions grouped by session id. */
  const bySession = <T extends { session_id: string }>(rows: T[]): Map<string, T[]> => {
    const out = new Map<string, T[]>();
    for (const r of rows) {
      const list = out.get(r.session_id);
      if (list) list.push(r);
      else out.set(r.session_id, [r]);
    }
    return out;
  };

  const snapshot = (session: SessionFacts, messages: Map<string, MessageRow>, attempts: Map<string, AttemptRow>, world: (s: SessionFacts) => WorldFacts): SessionSnapshot => ({
    session,
    messages: [...messages.values()].sort((a, b) => a.seq - b.seq).map(toMessageSnap),
    attempts: [...attempts.values()].map(toAttemptSnap),
    world: world(session),
  });

  return {
    loadOfMachine(machineId, wantsOf, world) {
      const open = bySession(q.machineOpen.all(machineId));
      const pending = bySession(q.machinePending.all(machineId));
      let permissions: Map<string, MessageRow[]> | null = null;
      return q.machineSessions.all(machineId).map((row) => {
        const messages = new Map<string, MessageRow>((open.get(row.id) ?? []).map((m) => [m.id, m]));
        if (wantsOf(asSessionId(row.id)).openPermissions) {
          permissions ??= bySession(q.machineOpenPermissions.all(machineId));
          for (const m of permissions.get(row.id) ?? []) messages.set(m.id, m);
        }
        const first = pending.get(row.id)?.[0];
        return snapshot(toFacts(row), messages, new Map(first ? [[first.id, first]] : []), world);
      });
    },

    load(sessionId, wants, world) {
      const row = q.session.get(sessionId);
      if (!row) return null;
      const session = toFacts(row);
      const messages = new Map<string, MessageRow>(q.open.all(row.id).map((m) => [m.id, m]));
      const add = (m: MessageRow | undefined) => void (m && messages.set(m.id, m));
      // What is named is often open already (an ack names a message that waits for it): read only what is not.
      if (wants.messageId !== undefined && !messages.has(wants.messageId)) add(q.message.get(wants.messageId, row.id));
      if (wants.permissionId !== undefined) add(q.permission.get(row.id, wants.permissionId));
      if (wants.permissionId !== undefined || wants.openPermissions) for (const m of q.openPermissions.all(row.id)) add(m);
      const attempts = new Map<string, AttemptRow>();
      const pending = q.pendingAttempt.get(row.id);
      if (pending) attempts.set(pending.id, pending);
      const named = wants.attemptId === undefined || attempts.has(wants.attemptId) ? undefined : q.attempt.get(wants.attemptId, row.id);
      if (named) attempts.set(named.id, named);
      return snapshot(session, messages, attempts, world);
    },

    save(tx, session, c) {
      const written = new Map<string, MessageRow>();
      // Attempts first: a message names the attempt it waits for.
      for (const a of c.addedAttempts) q.insertAttempt.run(attemptRow(session.id, a));
      for (const m of c.addedMessages) written.set(m.id, insertMessage(session.id, m, q.nextSeq.get(session.id)!.seq));
      for (const { id, set } of c.changedMessages) {
        const cols = messageColumns(set);
        const keys = Object.keys(cols);
        if (keys.length === 0) continue;
        const sql = `UPDATE messages SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE id = @id RETURNING *`;
        let stmt = messageUpdates.get(sql);
        if (!stmt) messageUpdates.set(sql, (stmt = db.prepare(sql)));
        const row = stmt.get({ ...cols, id }) as MessageRow | undefined;
        if (row) written.set(id, row);
      }
      for (const { after: a } of c.changedAttempts) q.setAttempt.run({ id: a.id, state: a.state, code: a.code, detail: a.detail, ended_at: a.endedAt });
      const patch = sessionColumns(c.session);
      if (c.touched || Object.keys(patch).length > 0) stores.sessions.update(session.id, tx.cursor(session.accountId), patch);
      return written;
    },

    create(tx, { session: s, messages, world }) {
      stores.sessions.insert({
        id: s.id, account_id: s.accountId, machine_id: s.machineId, provider: s.provider, backend: s.backend, cwd: s.cwd, title: s.title,
        managed: s.managed ? 1 : 0, status: s.status, vendor_id: s.vendorId, vendor_resume_id: s.vendorResumeId, start_request_id: s.startRequestId,
        created_at: world.now, last_activity_at: s.lastActivityAt, cursor: tx.cursor(s.accountId),
      });
      if (s.permissionMode !== null) stores.sessions.update(s.id, tx.cursor(s.accountId), { permission_mode: s.permissionMode });
      messages.forEach((m, i) => insertMessage(s.id, m, i + 1));
    },

    append: (_tx, session, entry, at) => appendTranscript(session.id, entry, at),
    entry: (_tx, session, eventId, event, at) => entries.apply(session.id, eventId, event, at),
    settleEntries: (_tx, session, at) => entries.settle(session.id, at),

    markSeen: (sessionId, eventId) => q.seen.run(sessionId, eventId).changes > 0,
    message: (id) => q.getMessage.get(id),
    inFlightOn: (machineId) => q.inFlight.all(machineId, machineId).map((r) => asSessionId(r.id)),
    holdingIn: (accountId) => q.holding.all(accountId).map((r) => asSessionId(r.id)),
    overdue: (startedBefore, heldBefore, holdMs, limit) => ({
      attempts: q.overdueAttempts.all(startedBefore, limit).map((a) => ({ sessionId: asSessionId(a.session_id), attemptId: asAttemptId(a.id) })),
      holds: q.overdueHolds.all(holdMs, heldBefore, limit).map((m) => ({ sessionId: asSessionId(m.session_id), messageId: asMessageId(m.id) })),
    }),
    pendingAttempts: () => q.allPending.all().map((a) => ({ sessionId: asSessionId(a.session_id), attemptId: asAttemptId(a.id), startedAt: a.started_at })),
    heldMessages: () => q.allHeld.all().map((m) => ({ sessionId: asSessionId(m.session_id), messageId: asMessageId(m.id), heldUntil: m.held_until, createdAt: m.created_at })),
  };
}

/** Rows a sweep takes are locked to its transaction, and rows another instance's sweep holds are skipped (Postgres). */
function lockSkipping(db: Db): string {
  return db.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
}

function messageRow(sessionId: string, m: MessageSnap, seq: number) {
  return {
    id: m.id, session_id: sessionId, seq, role: m.role, origin: m.role === 'user' ? 'user' : 'agent', client_id: m.clientId, text: m.text,
    state: m.state, failure_code: m.failure?.code ?? null, failure_detail: m.failure?.detail ?? null, tool: null,
    permission: m.permission === null ? null : JSON.stringify(m.permission), attempt_id: m.attemptId,
    created_at: m.createdAt, updated_at: m.updatedAt, turn_lost: m.turnLost ? 1 : 0, held_until: m.heldUntil,
  };
}

function attemptRow(sessionId: string, a: AttemptSnap) {
  return { id: a.id, session_id: sessionId, machine_id: a.machineId, state: a.state, code: a.code, detail: a.detail, started_at: a.startedAt, ended_at: a.endedAt };
}

function toFacts(r: SessionRow): SessionFacts {
  return {
    id: asSessionId(r.id), accountId: asAccountId(r.account_id), machineId: asMachineId(r.machine_id), provider: r.provider, backend: r.backend,
    cwd: r.cwd, title: r.title, managed: r.managed === 1, archived: r.archived === 1, status: r.status,
    vendorId: r.vendor_id === null ? null : asVendorId(r.vendor_id), vendorResumeId: r.vendor_resume_id === null ? null : asVendorId(r.vendor_resume_id),
    awaitingPermission: r.awaiting_permission === 1, agentRetry: r.agent_retry === null ? null : (JSON.parse(r.agent_retry) as RetryNotice),
    permissionMode: r.permission_mode ?? null, startRequestId: r.start_request_id, lastActivityAt: r.last_activity_at,
  };
}

function toMessageSnap(r: MessageRow): MessageSnap {
  return {
    id: asMessageId(r.id), seq: r.seq, role: r.role, text: r.text, clientId: r.client_id, state: r.state,
    failure: r.failure_code === null ? null : { code: r.failure_code, detail: r.failure_detail ?? '' }, turnLost: r.turn_lost === 1,
    attemptId: r.attempt_id === null ? null : asAttemptId(r.attempt_id), heldUntil: r.held_until,
    permission: r.permission === null ? null : (JSON.parse(r.permission) as PermissionInfo), createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

function toAttemptSnap(r: AttemptRow): AttemptSnap {
  return { id: asAttemptId(r.id), machineId: asMachineId(r.machine_id), state: r.state, code: r.code, detail: r.detail, startedAt: r.started_at, endedAt: r.ended_at };
}

/** Session facts a step may change, as columns; the others (where it lives, what runs it) never change. */
function sessionColumns(p: Partial<SessionFacts>): Parameters<Stores['sessions']['update']>[2] {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p) as [keyof SessionFacts, unknown][]) {
    switch (k) {
      case 'title': out.title = v; break;
      case 'managed': out.managed = v ? 1 : 0; break;
      case 'archived': out.archived = v ? 1 : 0; break;
      case 'status': out.status = v; break;
      case 'vendorId': out.vendor_id = v; break;
      case 'vendorResumeId': out.vendor_resume_id = v; break;
      case 'awaitingPermission': out.awaiting_permission = v ? 1 : 0; break;
      case 'agentRetry': out.agent_retry = v === null ? null : JSON.stringify(v); break;
      case 'startRequestId': out.start_request_id = v; break;
      case 'permissionMode': out.permission_mode = v; break;
      case 'lastActivityAt': out.last_activity_at = v; break;
      case 'id': case 'accountId': case 'machineId': case 'provider': case 'backend': case 'cwd':
        throw new Error(`a session's ${k} never changes`);
      default: {
        const never: never = k;
        throw new Error(`unknown session fact ${String(never)}`);
      }
    }
  }
  return out;
}

/** Message fields a step may change, as columns. */
function messageColumns(p: Partial<MessageSnap>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p) as [keyof MessageSnap, unknown][]) {
    switch (k) {
      case 'state': out.state = v; break;
      case 'failure': {
        const f = v as MessageSnap['failure'];
        out.failure_code = f?.code ?? null;
        out.failure_detail = f?.detail ?? null;
        break;
      }
      case 'turnLost': out.turn_lost = v ? 1 : 0; break;
      case 'attemptId': out.attempt_id = v; break;
      case 'heldUntil': out.held_until = v; break;
      case 'permission': out.permission = v === null ? null : JSON.stringify(v); break;
      case 'updatedAt': out.updated_at = v; break;
      case 'id': case 'seq': case 'role': case 'text': case 'clientId': case 'createdAt':
        throw new Error(`a message's ${k} never changes`);
      default: {
        const never: never = k;
        throw new Error(`unknown message field ${String(never)}`);
      }
    }
  }
  return out;
}
