// The schema on Postgres, as an ordered list of migrations (ids shared with migrations.ts: a change to the schema is
// one id in both lists). The first is SQLite's schema after its migration 22, said the Postgres way: 64-bit integers
// (times are milliseconds), text compared byte by byte (COLLATE "C", as SQLite compares it, so pages of ids come in the
// same order on both), and an insertion-order column where SQLite's rowid broke ties.
import type { Migration } from './migrations.ts';

export const PG_MIGRATIONS: readonly Migration[] = [
  {
    id: 22,
    name: 'schema as of sqlite migration 22',
    sql: `
      CREATE TABLE accounts (
        id TEXT COLLATE "C" PRIMARY KEY,
        created_at BIGINT NOT NULL,
        -- The change cursor: bumped by every change in the account, recorded on the changed rows.
        cursor BIGINT NOT NULL DEFAULT 0,
        is_default BIGINT NOT NULL DEFAULT 0
      );
      CREATE TABLE machines (
        id TEXT COLLATE "C" PRIMARY KEY,
        account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
        name TEXT COLLATE "C" NOT NULL,
        online BIGINT NOT NULL DEFAULT 0,
        last_seen_at BIGINT,
        capabilities TEXT COLLATE "C",
        created_at BIGINT NOT NULL,
        cursor BIGINT NOT NULL
      );
      CREATE TABLE devices (
        id TEXT COLLATE "C" PRIMARY KEY,
        account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
        kind TEXT COLLATE "C" NOT NULL CHECK (kind IN ('phone', 'machine', 'cli')),
        name TEXT COLLATE "C" NOT NULL,
        token_hash TEXT COLLATE "C" NOT NULL UNIQUE,
        machine_id TEXT COLLATE "C" REFERENCES machines(id),
        created_at BIGINT NOT NULL,
        revoked_at BIGINT
      );
      CREATE TABLE pairing_codes (
        code_hash TEXT COLLATE "C" PRIMARY KEY,
        account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
        kind TEXT COLLATE "C" NOT NULL CHECK (kind IN ('phone', 'machine', 'cli')),
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        used_at BIGINT,
        created_by TEXT COLLATE "C" REFERENCES devices(id)
      );
      CREATE TABLE sessions (
        id TEXT COLLATE "C" PRIMARY KEY,
        account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
        machine_id TEXT COLLATE "C" NOT NULL REFERENCES machines(id),
        provider TEXT COLLATE "C" NOT NULL,
        backend TEXT COLLATE "C" NOT NULL,
        cwd TEXT COLLATE "C" NOT NULL,
        title TEXT COLLATE "C" NOT NULL,
        managed BIGINT NOT NULL,
        status TEXT COLLATE "C" NOT NULL CHECK (status IN ('active', 'inactive')),
        archived BIGINT NOT NULL DEFAULT 0,
        vendor_id TEXT COLLATE "C",
        vendor_resume_id TEXT COLLATE "C",
        awaiting_permission BIGINT NOT NULL DEFAULT 0,
        -- Set while a start command waits for started/start-failed.
        start_request_id TEXT COLLATE "C",
        created_at BIGINT NOT NULL,
        last_activity_at BIGINT NOT NULL,
        cursor BIGINT NOT NULL,
        agent_retry TEXT COLLATE "C",
        permission_mode TEXT COLLATE "C"
      );
      CREATE TABLE resume_attempts (
        id TEXT COLLATE "C" PRIMARY KEY,
        session_id TEXT COLLATE "C" NOT NULL REFERENCES sessions(id),
        machine_id TEXT COLLATE "C" NOT NULL REFERENCES machines(id),
        state TEXT COLLATE "C" NOT NULL,
        code TEXT COLLATE "C",
        detail TEXT COLLATE "C",
        started_at BIGINT NOT NULL,
        ended_at BIGINT,
        -- Ties of started_at keep insertion order (SQLite orders them by rowid).
        rowid BIGINT GENERATED ALWAYS AS IDENTITY
      );
      CREATE TABLE messages (
        id TEXT COLLATE "C" PRIMARY KEY,
        session_id TEXT COLLATE "C" NOT NULL REFERENCES sessions(id),
        seq BIGINT NOT NULL,
        role TEXT COLLATE "C" NOT NULL,
        -- 'user' for messages a person sent (client id), 'agent' for agent events (event id).
        origin TEXT COLLATE "C" NOT NULL CHECK (origin IN ('user', 'agent')),
        client_id TEXT COLLATE "C",
        text TEXT COLLATE "C" NOT NULL,
        state TEXT COLLATE "C",
        failure_code TEXT COLLATE "C",
        failure_detail TEXT COLLATE "C",
        tool TEXT COLLATE "C",
        permission TEXT COLLATE "C",
        attempt_id TEXT COLLATE "C" REFERENCES resume_attempts(id),
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        turn_lost BIGINT NOT NULL DEFAULT 0,
        held_until BIGINT,
        entry TEXT COLLATE "C",
        entry_key TEXT COLLATE "C",
        UNIQUE (session_id, seq),
        UNIQUE (session_id, origin, client_id)
      );
      CREATE TABLE seen_events (
        session_id TEXT COLLATE "C" NOT NULL REFERENCES sessions(id),
        event_id TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (session_id, event_id)
      );
      CREATE TABLE settings (
        account_id TEXT COLLATE "C" PRIMARY KEY REFERENCES accounts(id),
        disabled_backends TEXT COLLATE "C" NOT NULL,
        codex_backend TEXT COLLATE "C" NOT NULL,
        cursor BIGINT NOT NULL
      );
      CREATE TABLE shares (
        id TEXT COLLATE "C" PRIMARY KEY,
        account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
        session_id TEXT COLLATE "C" NOT NULL REFERENCES sessions(id),
        token_hash TEXT COLLATE "C" NOT NULL UNIQUE,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        revoked_at BIGINT,
        created_by TEXT COLLATE "C" REFERENCES devices(id)
      );
      CREATE TABLE removed_sessions (
        session_id TEXT COLLATE "C" PRIMARY KEY,
        account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
        cursor BIGINT NOT NULL
      );
      CREATE TABLE push_subscriptions (
        device_id TEXT COLLATE "C" PRIMARY KEY REFERENCES devices(id),
        account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
        endpoint TEXT COLLATE "C" NOT NULL,
        p256dh TEXT COLLATE "C" NOT NULL,
        auth TEXT COLLATE "C" NOT NULL,
        vapid_public_key TEXT COLLATE "C" NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE TABLE push_settings (
        device_id TEXT COLLATE "C" PRIMARY KEY REFERENCES devices(id),
        account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
        settings TEXT COLLATE "C" NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE TABLE push_events (
        device_id TEXT COLLATE "C" NOT NULL REFERENCES devices(id),
        event_id TEXT COLLATE "C" NOT NULL,
        account_id TEXT COLLATE "C" NOT NULL REFERENCES accounts(id),
        state TEXT COLLATE "C" NOT NULL CHECK (state IN ('pending', 'sent', 'suppressed', 'dropped', 'failed')),
        -- JSON PushPayload as it will be sent (built once, so a retry or a restart sends the same thing).
        payload TEXT COLLATE "C" NOT NULL,
        urgency TEXT COLLATE "C" NOT NULL,
        attempts BIGINT NOT NULL DEFAULT 0,
        next_at BIGINT NOT NULL,
        last_error TEXT COLLATE "C",
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (device_id, event_id)
      );
      CREATE INDEX machines_account ON machines(account_id, cursor);
      CREATE UNIQUE INDEX messages_entry_key ON messages(session_id, entry_key) WHERE entry_key IS NOT NULL;
      CREATE INDEX messages_held ON messages(state) WHERE state = 'held';
      CREATE INDEX messages_open_permissions ON messages(session_id, seq) WHERE role = 'permission' AND (permission::jsonb ->> 'decision') IS NULL;
      CREATE INDEX messages_state ON messages(session_id, state);
      CREATE INDEX pairing_codes_created_by ON pairing_codes(created_by) WHERE created_by IS NOT NULL;
      CREATE INDEX push_events_age ON push_events(created_at);
      CREATE INDEX push_events_due ON push_events(next_at) WHERE state = 'pending';
      CREATE INDEX push_subscriptions_account ON push_subscriptions(account_id);
      CREATE INDEX removed_sessions_account ON removed_sessions(account_id, cursor);
      CREATE INDEX resume_attempts_pending ON resume_attempts(state) WHERE state = 'pending';
      CREATE INDEX resume_attempts_session ON resume_attempts(session_id, started_at);
      CREATE INDEX sessions_account_cursor_id ON sessions(account_id, cursor, id);
      CREATE INDEX sessions_machine ON sessions(machine_id);
      CREATE INDEX sessions_machine_vendor ON sessions(machine_id, vendor_id);
      CREATE INDEX sessions_machine_vendor_resume ON sessions(machine_id, vendor_resume_id);
      CREATE INDEX shares_created_by ON shares(created_by) WHERE created_by IS NOT NULL;    `,
  },
  {
    id: 23,
    name: 'cluster',
    sql: `
      -- Which server instance holds each machine's socket, until when (renewed while it does): commands for the machine
      -- go there, and a machine whose lease ran out (its instance died) is swept offline by any instance (src/server/cluster/).
      CREATE TABLE machine_leases (
        machine_id TEXT COLLATE "C" PRIMARY KEY REFERENCES machines(id),
        instance_id TEXT COLLATE "C" NOT NULL,
        expires_at BIGINT NOT NULL
      );
      CREATE INDEX machine_leases_instance ON machine_leases(instance_id);
      -- Messages between instances too large for a NOTIFY payload (8 000 bytes): the NOTIFY names the row.
      CREATE TABLE relay (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        payload TEXT COLLATE "C" NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE INDEX relay_age ON relay(created_at);
      -- Secrets every instance must share: the VAPID key pair (a phone subscribes to one key, whichever instance sends).
      CREATE TABLE server_keys (
        name TEXT COLLATE "C" PRIMARY KEY,
        value TEXT COLLATE "C" NOT NULL,
        created_at BIGINT NOT NULL
      );
    `,
  },
];
