// The daemon store's tables (SQLite); `CREATE … IF NOT EXISTS`, so opening an existing store changes nothing.
export const DAEMON_SCHEMA = `
  CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    backend TEXT NOT NULL,
    cwd TEXT NOT NULL,
    title TEXT NOT NULL,
    vendor_id TEXT,
    resumable INTEGER NOT NULL,
    pid INTEGER,
    start_request_id TEXT,
    -- 1 once the server said the session is archived: left out of hello, its delivered ids and attempts dropped.
    forgotten INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE IF NOT EXISTS aliases (
    session_id TEXT NOT NULL,
    vendor_id TEXT NOT NULL,
    PRIMARY KEY (session_id, vendor_id)
  ) WITHOUT ROWID;
  -- Message ids written (or about to be written) to an agent; recorded before the write (at most once).
  CREATE TABLE IF NOT EXISTS delivered (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    UNIQUE (session_id, message_id)
  );
  CREATE INDEX IF NOT EXISTS delivered_session ON delivered(session_id, seq);
  CREATE TABLE IF NOT EXISTS attempts (
    attempt_id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    result TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS attempts_session ON attempts(session_id);
  -- Frames to the server, removed once it confirmed it applied them.
  CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    frame TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    first_failed_at INTEGER,
    last_error TEXT
  );
  CREATE TABLE IF NOT EXISTS parked (
    seq INTEGER PRIMARY KEY,
    frame TEXT NOT NULL,
    failures INTEGER NOT NULL,
    parked_at INTEGER NOT NULL,
    last_error TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;
