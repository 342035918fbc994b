// The storage port on Postgres (`baton server --database postgres://…`): statements translated once from SQLite's
// spelling (pg-translate.ts) and prepared by name on the connection, run synchronously through the bridge
// (pg-bridge.ts); transactions SERIALIZABLE — the guarantee SQLite's one writer gave — and run again from the start
// when Postgres picked them to lose a race; the schema migrated under an advisory lock (instances may start at once).
import type { Db, Statement, Transaction } from './db.ts';
import { HomeUnusableError } from './home-error.ts';
import { refuseNewerSchema } from './migrations.ts';
import { openBridge, PostgresError, type Bridge, type Value } from './pg-bridge.ts';
import { PG_MIGRATIONS } from './pg-migrations.ts';
import { translate } from './pg-translate.ts';

export interface PostgresDb extends Db {
  readonly dialect: 'postgres';
  /** Calls `fn` with every notification on `channel` (LISTEN on a connection of its own). */
  listen(channel: string, fn: (payload: string) => void): void;
  /** Called when the listening connection was lost and made again: notifications in between were lost. */
  onListenReconnect(fn: () => void): void;
}

/** SQLSTATEs that mean "run the transaction again": a serialization failure, a deadlock. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_TRIES = 20;
const MIGRATION_LOCK = 7_226_115; // any constant; the advisory lock instances take while one migrates

export function isPostgresUrl(s: string): boolean {
  return /^postgres(ql)?:\/\//.test(s);
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

export function openPostgres(url: string): PostgresDb {
  const where = redactUrl(url);
  const bridge = openBridge(url);
  const names = new Map<string, string>();
  let depth = 0;
  let begun = false;

  function run(text: string, values: readonly Value[], named = true): { rows: Record<string, unknown>[]; changes: number } {
    let name: string | undefined;
    if (named) {
      name = names.get(text);
      if (name === undefined) names.set(text, (name = `s${names.size + 1}`));
    }
    const prefix = depth > 0 && !begun ? 'BEGIN ISOLATION LEVEL SERIALIZABLE' : undefined;
    if (prefix) begun = true;
    return bridge.call({ op: 'query', text, values, ...(name ? { name } : {}), ...(prefix ? { prefix } : {}) });
  }

  function prepare<P extends unknown[] | object, R>(sql: string): Statement<P, R> {
    const { text, names: paramNames } = translate(sql);
    const values = (params: unknown[]): Value[] => {
      const list = paramNames ? paramNames.map((n) => (params[0] as Record<string, unknown>)[n]) : params;
      return list.map(toValue);
    };
    const stmt = {
      run: (...p: unknown[]) => ({ changes: run(text, values(p)).changes }),
      get: (...p: unknown[]) => run(text, values(p)).rows[0] as R | undefined,
      all: (...p: unknown[]) => run(text, values(p)).rows as R[],
      iterate: (...p: unknown[]) => (run(text, values(p)).rows as R[])[Symbol.iterator](),
    };
    return stmt as unknown as Statement<P, R>;
  }

  function transaction<T>(fn: () => T): Transaction<T> {
    const once = (): T => {
      if (depth > 0) return savepoint(fn);
      for (let tries = 1; ; tries++) {
        depth = 1;
        begun = false;
        try {
          const result = fn();
          if (begun) run('COMMIT', [], false);
          return result;
        } catch (e) {
          if (begun) rollback();
          if (!(e instanceof PostgresError && e.code !== null && RETRYABLE.has(e.code)) || tries >= MAX_TRIES) throw e;
          pause(Math.random() * Math.min(50, 2 ** tries));
        } finally {
          depth = 0;
          begun = false;
        }
      }
    };
    return Object.assign(once, { immediate: once });
  }

  function savepoint<T>(fn: () => T): T {
    const name = `sp${depth}`;
    run(`SAVEPOINT ${name}`, [], false);
    depth++;
    try {
      const result = fn();
      run(`RELEASE SAVEPOINT ${name}`, [], false);
      return result;
    } catch (e) {
      run(`ROLLBACK TO SAVEPOINT ${name}`, [], false);
      throw e;
    } finally {
      depth--;
    }
  }

  function rollback(): void {
    try {
      bridge.call({ op: 'exec', text: 'ROLLBACK' });
    } catch {
      // the connection is gone: so is the transaction
    }
  }

  const channels = new Map<string, ((payload: string) => void)[]>();
  const reconnects: (() => void)[] = [];
  bridge.onNotification((channel, payload) => {
    if (channel === '') for (const fn of reconnects) fn();
    for (const fn of channels.get(channel) ?? []) fn(payload);
  });

  const db: PostgresDb = {
    dialect: 'postgres',
    name: where,
    shared: true,
    prepare,
    exec(sql) {
      if (depth > 0 && !begun) {
        bridge.call({ op: 'exec', text: 'BEGIN ISOLATION LEVEL SERIALIZABLE' });
        begun = true;
      }
      bridge.call({ op: 'exec', text: sql });
    },
    transaction,
    close: () => bridge.close(),
    listen(channel, fn) {
      if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
      const fns = channels.get(channel);
      if (fns) return void fns.push(fn);
      channels.set(channel, [fn]);
      bridge.call({ op: 'listen', channels: [channel] });
    },
    onListenReconnect: (fn) => void reconnects.push(fn),
  };
  try {
    migrate(db, where);
  } catch (e) {
    db.close();
    // No SQLSTATE (ECONNREFUSED, a DNS failure…) or a connection, login or database error: the URL is the problem.
    if (e instanceof PostgresError && (e.code === null || !/^[0-9A-Z]{5}$/.test(e.code) || /^(08|28|3D|57P)/.test(e.code))) {
      throw new HomeUnusableError(where, `Postgres cannot be reached or refused this user (${e.message})`);
    }
    throw e;
  }
  return db;
}

function migrate(db: PostgresDb, where: string): void {
  db.exec(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
  try {
    db.exec('CREATE TABLE IF NOT EXISTS migrations (id BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
    const done = new Set(db.prepare<[], { id: number }>('SELECT id FROM migrations').all().map((r) => r.id));
    refuseNewerSchema(done, PG_MIGRATIONS, where);
    for (const m of PG_MIGRATIONS) {
      if (done.has(m.id)) continue;
      db.transaction(() => {
        db.exec(m.sql);
        db.prepare('INSERT INTO migrations (id, name, applied_at) VALUES (?, ?, ?)').run(m.id, m.name, Date.now());
      })();
    }
  } finally {
    db.exec(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`);
  }
}

function toValue(v: unknown): Value {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  throw new TypeError(`a statement parameter must be a string, a number or null, not ${typeof v}`);
}

/** Sleeps this thread (between tries of a transaction that lost a race; nothing else can run meanwhile anyway). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
