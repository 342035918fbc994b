// Read-only views of the truth the invariants are checked against: the server's database (SQLite or Postgres), each daemon's
// store, the fakes' records of vendor sessions, and the vendor transcripts the fakes wrote.
import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { openDatabase, type Db } from '../../src/server/db/open-database.ts';
import { readRecord, type FakeEnv, type RecordLine } from '../helpers/fake-env.ts';

export interface SessionRow {
  id: string; machine_id: string; provider: string; backend: string; managed: number; status: string; archived: number;
  vendor_id: string | null; vendor_resume_id: string | null; awaiting_permission: number; start_request_id: string | null; created_at: number;
}
export interface MessageRow {
  id: string; session_id: string; seq: number; role: string; origin: string; client_id: string | null; text: string;
  state: string | null; failure_code: string | null; failure_detail: string | null; permission: string | null; attempt_id: string | null;
  /** 1: delivered to an agent that went away before its turn ended (it is never answered later). */
  turn_lost: number;
}
export interface AttemptRow { id: string; session_id: string; state: string; code: string | null; detail: string | null; started_at: number }
export interface MachineRow { id: string; name: string; online: number }

export interface DbSnapshot {
  readonly sessions: SessionRow[];
  readonly userMessages: MessageRow[];
  readonly permissions: MessageRow[];
  readonly attempts: AttemptRow[];
  readonly machines: MachineRow[];
}

const SESSIONS = 'SELECT id, machine_id, provider, backend, managed, status, archived, vendor_id, vendor_resume_id, awaiting_permission, start_request_id, created_at FROM sessions';
const MESSAGE_COLUMNS = 'id, session_id, seq, role, origin, client_id, text, state, failure_code, failure_detail, permission, attempt_id, turn_lost';
const USER_MESSAGES = `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE origin = 'user'`;
const PERMISSIONS = `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE role = 'permission' ORDER BY session_id, seq`;
const ATTEMPTS = 'SELECT id, session_id, state, code, detail, started_at FROM resume_attempts';
const MACHINES = 'SELECT id, name, online FROM machines';

/**
 * A read-only view of the server's database, one consistent snapshot per call: its SQLite file (reopened if the file
 * was replaced), or its Postgres schema through the same synchronous port the server uses.
 */
export function openObserver(serverHome: string, databaseUrl: string | null = null) {
  return databaseUrl ? postgresObserver(serverHome, databaseUrl) : sqliteObserver(serverHome);
}

function sqliteObserver(serverHome: string) {
  const path = join(serverHome, 'baton.db');
  let db: Database.Database | null = null;
  const conn = () => (db ??= new Database(path, { readonly: true, fileMustExist: true }));
  return {
    snapshot(): DbSnapshot {
      const d = conn();
      return d.transaction(() => ({
        sessions: d.prepare(SESSIONS).all() as SessionRow[],
        userMessages: d.prepare(USER_MESSAGES).all() as MessageRow[],
        permissions: d.prepare(PERMISSIONS).all() as MessageRow[],
        attempts: d.prepare(ATTEMPTS).all() as AttemptRow[],
        machines: d.prepare(MACHINES).all() as MachineRow[],
      }))();
    },
    close() {
      db?.close();
      db = null;
    },
  };
}

function postgresObserver(serverHome: string, url: string) {
  let db: Db | null = null;
  const conn = () => (db ??= openDatabase(serverHome, { url }));
  return {
    snapshot(): DbSnapshot {
      const d = conn();
      // One snapshot for the five reads, REPEATABLE READ rather than the port's SERIALIZABLE: an observer that takes
      // part in Postgres' serializable conflict checks can make the servers' own transactions fail and retry.
      d.exec('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        return {
          sessions: d.prepare<[], SessionRow>(SESSIONS).all(),
          userMessages: d.prepare<[], MessageRow>(USER_MESSAGES).all(),
          permissions: d.prepare<[], MessageRow>(PERMISSIONS).all(),
          attempts: d.prepare<[], AttemptRow>(ATTEMPTS).all(),
          machines: d.prepare<[], MachineRow>(MACHINES).all(),
        };
      } finally {
        d.exec('COMMIT');
      }
    },
    close() {
      db?.close();
      db = null;
    },
  };
}
export type Observer = ReturnType<typeof openObserver>;

export interface DaemonState {
  sessions: Record<string, { sessionId: string; backend: string; vendorId: string | null; pid: number | null; resumable: boolean }>;
  delivered: Record<string, string[]>;
  outbox: unknown[];
}

/** The daemon's SQLite store as the JSON shape the invariants read (null while it does not exist yet). */
export function readDaemonState(home: string): DaemonState | null {
  const path = join(home, 'daemon', 'state.db');
  if (!existsSync(path)) return null;
  let db: Database.Database | null = null;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const d = db;
    return d.transaction((): DaemonState => {
      const sessions: DaemonState['sessions'] = {};
      for (const r of d.prepare('SELECT session_id, backend, vendor_id, pid, resumable FROM sessions').all() as { session_id: string; backend: string; vendor_id: string | null; pid: number | null; resumable: number }[]) {
        sessions[r.session_id] = { sessionId: r.session_id, backend: r.backend, vendorId: r.vendor_id, pid: r.pid, resumable: r.resumable === 1 };
      }
      const delivered: DaemonState['delivered'] = {};
      for (const r of d.prepare('SELECT session_id, message_id FROM delivered ORDER BY seq').all() as { session_id: string; message_id: string }[]) {
        (delivered[r.session_id] ??= []).push(r.message_id);
      }
      const outbox = (d.prepare('SELECT frame FROM outbox ORDER BY seq').all() as { frame: string }[]).map((r) => JSON.parse(r.frame) as unknown);
      return { sessions, delivered, outbox };
    })();
  } catch {
    return null;
  } finally {
    db?.close();
  }
}

/** A fake's record line; `via: 'mcp-server'` marks the conversation a `codex mcp-server` opens at its first turn. */
export type SoakRecord = RecordLine & { readonly provider: string; readonly via?: string };

export async function readRecords(fake: FakeEnv): Promise<SoakRecord[]> {
  const out: SoakRecord[] = [];
  for (const p of ['claude', 'codex'] as const) for (const r of await readRecord(fake.stateDir, p)) out.push({ ...r, provider: p });
  return out;
}

/** Per vendor session, how many times each user text was written into its transcript (Claude projects, Codex rollouts). */
export function transcriptUserTexts(fake: FakeEnv): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  let counts = new Map<string, number>();
  const open = (vendorId: string) => {
    counts = out.get(vendorId) ?? new Map();
    out.set(vendorId, counts);
  };
  const add = (t: string) => counts.set(t, (counts.get(t) ?? 0) + 1);
  for (const file of walk(join(fake.env.CLAUDE_CONFIG_DIR!, 'projects'))) {
    open(basename(file, '.jsonl'));
    for (const line of lines(file)) {
      if (line.type !== 'user' || line.message?.role !== 'user') continue;
      const c = line.message.content;
      if (typeof c === 'string') add(c);
      else if (Array.isArray(c) && c.some((p: { type?: string }) => p.type === 'text')) add(c.filter((p: { type?: string }) => p.type === 'text').map((p: { text: string }) => p.text).join('\n'));
    }
  }
  for (const file of walk(join(fake.env.CODEX_HOME!, 'sessions'))) {
    // rollout-<timestamp>-<thread id>.jsonl; the thread id is a UUID.
    open(basename(file, '.jsonl').slice(-36));
    // One `item_completed` UserMessage event per user message (0.171 writes no `user_message` event).
    for (const line of lines(file)) {
      const item = line.type === 'event_msg' && line.payload?.type === 'item_completed' ? line.payload.item : null;
      if (item?.type === 'UserMessage') add(item.content.filter((c: { type?: string }) => c.type === 'text').map((c: { text: string }) => c.text).join('\n'));
    }
  }
  return out;
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.jsonl')) out.push(p);
  }
  return out;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function lines(file: string): any[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).flatMap((l) => {
    try {
      return [JSON.parse(l)];
    } catch {
      return [];
    }
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers signal 0; /proc says whether it really runs.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}
