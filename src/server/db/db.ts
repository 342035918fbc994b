// The storage port: the few calls the stores make on a database, met by SQLite (sqlite.ts) and Postgres
// (postgres.ts). Statements are written once in SQLite's spelling; the Postgres adapter translates them
// (pg-translate.ts), and the one of places the dialects differ ask `dialect`.

export type Dialect = 'sqlite' | 'postgres';

/** Positional parameters (`?`), or one object for named ones (`@name`). */
type Args<P> = P extends unknown[] ? P : [P];

export interface RunResult {
  /** Rows the statement inserted, changed or deleted. */
  readonly changes: number;
}

export interface Statement<P extends unknown[] | object = unknown[], R = unknown> {
  run(...params: Args<P>): RunResult;
  get(...params: Args<P>): R | undefined;
  all(...params: Args<P>): R[];
  iterate(...params: Args<P>): IterableIterator<R>;
}

/** `db.transaction(fn)` as better-sqlite3 spells it: call it, or `.immediate()` to take the write lock at once. */
export interface Transaction<T> {
  (): T;
  immediate(): T;
}

export interface Db {
  readonly dialect: Dialect;
  /** Where it lives, for messages: a file path, or the URL without its password. */
  readonly name: string;
  /**
   * True when other server processes share this database (Postgres): what one of them holds in memory (sockets,
   * timers) the others learn through the cluster bus (src/server/cluster/).
   */
  readonly shared: boolean;
  prepare<P extends unknown[] | object = unknown[], R = unknown>(sql: string): Statement<P, R>;
  /** Runs statements without parameters (schema changes). */
  exec(sql: string): void;
  /**
   * One transaction: a throw rolls it back. Nested calls are savepoints. On Postgres the transaction is
   * SERIALIZABLE and a serialization failure or deadlock runs `fn` again from the start, so `fn` must keep
   * what it does besides the database for after commit (as `ctx.change` does).
   */
  transaction<T>(fn: () => T): Transaction<T>;
  close(): void;
}


/** True when a JSON field of a TEXT column holds `true`. */
export function jsonTrue(db: Db, column: string, field: string): string {
  return db.dialect === 'sqlite' ? `json_extract(${column}, '$.${field}') = 1` : `(${column}::jsonb -> '${field}') = 'true'::jsonb`;
}
