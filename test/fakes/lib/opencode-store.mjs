// The fake OpenCode's store, shaped like OpenCode 1.18.33's: $XDG_DATA_HOME/opencode/opencode.db with the
// `project`, `session`, `message` and `part` tables (the columns Baton reads; JSON payloads in `data`).
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const dataDir = () => join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'opencode');
let db = null;

export function store() {
  if (db) return db;
  mkdirSync(dataDir(), { recursive: true });
  db = new Database(join(dataDir(), 'opencode.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec(`
    CREATE TABLE IF NOT EXISTS project (id TEXT PRIMARY KEY, worktree TEXT NOT NULL, time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, sandboxes TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS session (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, parent_id TEXT, slug TEXT NOT NULL, directory TEXT NOT NULL,
      path TEXT, title TEXT NOT NULL, version TEXT NOT NULL, time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, time_archived INTEGER);
    CREATE TABLE IF NOT EXISTS message (id TEXT PRIMARY KEY, session_id TEXT NOT NULL, time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, data TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS part (id TEXT PRIMARY KEY, message_id TEXT NOT NULL, session_id TEXT NOT NULL, time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, data TEXT NOT NULL);
  `);
  return db;
}

/** A session row as the API shows it (`GET /session/:id`). */
function toInfo(row) {
  return {
    id: row.id, slug: row.slug, projectID: row.project_id, directory: row.directory, path: row.path, title: row.title, version: row.version,
    cost: 0, tokens: { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } },
    time: { created: row.time_created, updated: row.time_updated, ...(row.time_archived ? { archived: row.time_archived } : {}) },
  };
}

export function insertSession(s) {
  const now = s.time.created;
  store().prepare('INSERT OR IGNORE INTO project VALUES (?, ?, ?, ?, ?)').run(s.projectID, '/', now, now, '[]');
  store().prepare('INSERT INTO session (id, project_id, parent_id, slug, directory, path, title, version, time_created, time_updated) VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)')
    .run(s.id, s.projectID, s.slug, s.directory, s.path, s.title, s.version, now, now);
}
export function getSession(id) {
  const row = store().prepare('SELECT * FROM session WHERE id = ?').get(id);
  return row ? toInfo(row) : null;
}
export function listSessions() {
  return store().prepare('SELECT * FROM session ORDER BY time_updated DESC').all().map(toInfo);
}
export function touchSession(id, title) {
  store().prepare('UPDATE session SET title = coalesce(?, title), time_updated = ? WHERE id = ?').run(title ?? null, Date.now(), id);
}
/** Writes a message (`{id, sessionID, role, time, …}`) or replaces it. */
export function putMessage(m) {
  const { id, sessionID, ...data } = m;
  store().prepare('INSERT OR REPLACE INTO message VALUES (?, ?, ?, ?, ?)').run(id, sessionID, m.time.created, Date.now(), JSON.stringify(data));
}
/** Writes a part (`{id, sessionID, messageID, type, …}`) or replaces it. */
export function putPart(p) {
  const { id, sessionID, messageID, ...data } = p;
  store().prepare('INSERT OR REPLACE INTO part VALUES (?, ?, ?, ?, ?, ?)').run(id, messageID, sessionID, Date.now(), Date.now(), JSON.stringify(data));
}
