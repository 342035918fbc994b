// The schema, as an ordered list of migrations; each runs once, in a transaction, recorded in `migrations`.

export interface Migration {
  readonly id: number;
  readonly name: string;
  readonly sql: string;
}

/** The schema was written by a newer Baton: running on it could corrupt what that version relies on. */
export class NewerSchemaError extends Error {
  constructor(readonly where: string, readonly found: number, readonly known: number) {
    super(`the database ${where} was upgraded by a newer Baton (schema ${found}; this one knows up to ${known}): upgrade this server, or point it at another database`);
    this.name = 'NewerSchemaError';
  }
}

/** Refuses a schema with a migration this build does not have (a newer server wrote it). */
export function refuseNewerSchema(done: ReadonlySet<number>, migrations: readonly Migration[], where: string): void {
  const known = Math.max(...migrations.map((m) => m.id));
  const newest = Math.max(0, ...done);
  if (newest > known) throw new NewerSchemaError(where, newest, known);
}

export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'initial',
    sql: `
      CREATE TABLE accounts (
        id TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        -- The change cursor: bumped by every change in the account, recorded on the changed rows.
        cursor INTEGER NOT NULL DEFAULT 0,
        is_default INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE machines (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        name TEXT NOT NULL,
        online INTEGER NOT NULL DEFAULT 0,
        last_seen_at INTEGER,
        capabilities TEXT,
        created_at INTEGER NOT NULL,
        cursor INTEGER NOT NULL
      );
      CREATE INDEX machines_account ON machines(account_id, cursor);
      CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        kind TEXT NOT NULL CHECK (kind IN ('phone', 'machine', 'cli')),
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        machine_id TEXT REFERENCES machines(id),
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      );
      CREATE TABLE pairing_codes (
        code_hash TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        kind TEXT NOT NULL CHECK (kind IN ('phone', 'machine', 'cli')),
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER
      );
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        machine_id TEXT NOT NULL REFERENCES machines(id),
        provider TEXT NOT NULL,
        backend TEXT NOT NULL,
        cwd TEXT NOT NULL,
        title TEXT NOT NULL,
        managed INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
        archived INTEGER NOT NULL DEFAULT 0,
        vendor_id TEXT,
        vendor_resume_id TEXT,
        awaiting_permission INTEGER NOT NULL DEFAULT 0,
        -- Set while a start command waits for started/start-failed.
        start_request_id TEXT,
        created_at INTEGER NOT NULL,
        last_activity_at INTEGER NOT NULL,
        cursor INTEGER NOT NULL
      );
      CREATE INDEX sessions_account ON sessions(account_id, cursor);
      CREATE INDEX sessions_machine ON sessions(machine_id);
      CREATE TABLE resume_attempts (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        machine_id TEXT NOT NULL REFERENCES machines(id),
        state TEXT NOT NULL,
        code TEXT,
        detail TEXT,
        started_at INTEGER NOT NULL,
        ended_at INTEGER
      );
      CREATE INDEX resume_attempts_session ON resume_attempts(session_id, started_at);
      CREATE INDEX resume_attempts_pending ON resume_attempts(state) WHERE state = 'pending';
      CREATE TABLE messages (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id),
        seq INTEGER NOT NULL,
        role TEXT NOT NULL,
        -- 'user' for messages a person sent (client id), 'agent' for agent events (event id).
        origin TEXT NOT NULL CHECK (origin IN ('user', 'agent')),
        client_id TEXT,
        text TEXT NOT NULL,
        state TEXT,
        failure_code TEXT,
        failure_detail TEXT,
        tool TEXT,
        permission TEXT,
        attempt_id TEXT REFERENCES resume_attempts(id),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (session_id, seq),
        UNIQUE (session_id, origin, client_id)
      );
      CREATE INDEX messages_state ON messages(session_id, state);
      CREATE TABLE settings (
        account_id TEXT PRIMARY KEY REFERENCES accounts(id),
        disabled_backends TEXT NOT NULL,
        codex_backend TEXT NOT NULL,
        cursor INTEGER NOT NULL
      );
      -- Agent events already applied, so a re-sent event (after a reconnect) is applied once.
      CREATE TABLE seen_events (
        session_id TEXT NOT NULL REFERENCES sessions(id),
        event_id TEXT NOT NULL,
        PRIMARY KEY (session_id, event_id)
      ) WITHOUT ROWID;
      CREATE TABLE shares (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        session_id TEXT NOT NULL REFERENCES sessions(id),
        token_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        revoked_at INTEGER
      );
    `,
  },
  {
    id: 2,
    name: 'turn-lost',
    sql: `
      -- 1 when the agent that took this delivered message went away (crash, stop, daemon restart) before its
      -- turn ended: it stays 'delivered' (written once, never again) and no later agent's turn-end answers it.
      ALTER TABLE messages ADD COLUMN turn_lost INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    id: 3,
    name: 'agent-retry',
    sql: `
      -- JSON of the vendor's latest retry notice (core RetryNotice) while it retries a model call; NULL otherwise.
      ALTER TABLE sessions ADD COLUMN agent_retry TEXT;
    `,
  },
  {
    id: 4,
    name: 'sync-pages',
    sql: `
      -- GET /api/sync pages through an account's sessions in (cursor, id) order; this index serves both the
      -- first page (cursor > since) and every later one ((cursor, id) > the last one sent), and replaces the old one.
      CREATE INDEX sessions_account_cursor_id ON sessions(account_id, cursor, id);
      DROP INDEX sessions_account;
    `,
  },
  {
    id: 5,
    name: 'direct-sessions-indexed',
    sql: `
      -- A machine's listing is matched to its sessions by vendor id: one index lookup each, not a scan of the machine.
      CREATE INDEX sessions_machine_vendor_resume ON sessions(machine_id, vendor_resume_id);
      CREATE INDEX sessions_machine_vendor ON sessions(machine_id, vendor_id);
      -- Sessions removed from view (a direct session gone from its vendor's store), so sync can tell clients.
      CREATE TABLE removed_sessions (
        session_id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        cursor INTEGER NOT NULL
      );
      CREATE INDEX removed_sessions_account ON removed_sessions(account_id, cursor);
    `,
  },
  {
    id: 6,
    name: 'held-messages',
    sql: `
      -- A message sent while its session's machine was offline is stored 'held' until this time
      -- (src/server/orchestrator/holds.ts); the machine's next hello releases it into the strict resume.
      ALTER TABLE messages ADD COLUMN held_until INTEGER;
      CREATE INDEX messages_held ON messages(state) WHERE state = 'held';
    `,
  },
  // Numbered 10+ so migrations added meanwhile on other branches (3, 4…) keep their numbers; ids only need to be unique and ordered.
  {
    id: 10,
    name: 'web-push',
    sql: `
      -- A phone's Web Push subscription (one per device: the browser's latest), bound to the VAPID key it was made for.
      CREATE TABLE push_subscriptions (
        device_id TEXT PRIMARY KEY REFERENCES devices(id),
        account_id TEXT NOT NULL REFERENCES accounts(id),
        endpoint TEXT NOT NULL,
        p256dh TEXT NOT NULL,
        auth TEXT NOT NULL,
        vapid_public_key TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX push_subscriptions_account ON push_subscriptions(account_id);
      -- Which kinds notify this device, and whether they show previews (JSON PushSettings); no row: the defaults.
      CREATE TABLE push_settings (
        device_id TEXT PRIMARY KEY REFERENCES devices(id),
        account_id TEXT NOT NULL REFERENCES accounts(id),
        settings TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
      -- One row per event per device: the record that it was notified (or suppressed), and the send queue.
      CREATE TABLE push_events (
        device_id TEXT NOT NULL REFERENCES devices(id),
        event_id TEXT NOT NULL,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'suppressed', 'dropped', 'failed')),
        -- JSON PushPayload as it will be sent (built once, so a retry or a restart sends the same thing).
        payload TEXT NOT NULL,
        urgency TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at INTEGER NOT NULL,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (device_id, event_id)
      ) WITHOUT ROWID;
      CREATE INDEX push_events_due ON push_events(next_at) WHERE state = 'pending';
      CREATE INDEX push_events_age ON push_events(created_at);
    `,
  },
  {
    // Numbered after the issue (14) that added it, so migrations other branches add meanwhile keep theirs.
    id: 14,
    name: 'revocation-cascades',
    sql: `
      -- The device that made a share link or a pairing code: revoking it revokes its links and drops its unused codes.
      -- NULL for those made before this migration, and for codes made by \`baton pair\` on the server's own machine.
      ALTER TABLE shares ADD COLUMN created_by TEXT REFERENCES devices(id);
      ALTER TABLE pairing_codes ADD COLUMN created_by TEXT REFERENCES devices(id);
      CREATE INDEX shares_created_by ON shares(created_by) WHERE created_by IS NOT NULL;
      CREATE INDEX pairing_codes_created_by ON pairing_codes(created_by) WHERE created_by IS NOT NULL;
    `,
  },
  {
    id: 20,
    name: 'agent-entries',
    sql: `
      -- The structure of an agent message (JSON core AgentEntry: a tool call with its status and result, a plan,
      -- streamed text), and the key later reports of the same thing find it by (src/server/store/agent-entries.ts).
      ALTER TABLE messages ADD COLUMN entry TEXT;
      ALTER TABLE messages ADD COLUMN entry_key TEXT;
      CREATE UNIQUE INDEX messages_entry_key ON messages(session_id, entry_key) WHERE entry_key IS NOT NULL;
      -- The session's permission mode (src/core/permission-modes.ts); NULL: the vendor's default.
      ALTER TABLE sessions ADD COLUMN permission_mode TEXT;
    `,
  },
  {
    id: 21,
    name: 'lost-turns-end',
    sql: `
      -- Stored under the rule before: a message whose agent went away mid-turn stayed 'delivered' for ever. It ends
      -- 'unanswered' with 'turn-lost' now (src/core/delivery.ts), and what such an agent asked can no longer be answered
      -- (a resumed agent never asked it). updated_at moves on (now, or past its old value), so a phone's cached copy gives
      -- way to this one.
      UPDATE messages SET state = 'unanswered', failure_code = 'turn-lost',
        failure_detail = 'The agent stopped before it answered (it was stopped, crashed, or its machine restarted).',
        updated_at = MAX(updated_at + 1, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
        WHERE state = 'delivered' AND turn_lost = 1;
      UPDATE messages SET permission = json_set(permission, '$.decision', 'expired'), updated_at = MAX(updated_at + 1, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
        WHERE role = 'permission' AND json_extract(permission, '$.decision') IS NULL
          AND session_id IN (SELECT id FROM sessions WHERE status = 'inactive');
    `,
  },
  {
    id: 22,
    name: 'open-permissions-index',
    sql: `
      -- The requests still waiting for an answer, read at every turn end and stop (session-snapshots.ts): without it
      -- each read walks the session's whole transcript.
      CREATE INDEX messages_open_permissions ON messages(session_id, seq)
        WHERE role = 'permission' AND json_extract(permission, '$.decision') IS NULL;
    `,
  },
];
