// Row-level snapshots of the server's SQLite database (read-only connection) and their differences,
// so a fuzz case can say exactly which rows a request or frame changed.
import Database from 'better-sqlite3';
import { join } from 'node:path';

export type Row = Record<string, unknown>;
/** table → primary key → row. */
export type Snapshot = Map<string, Map<string, Row>>;

export interface RowChange {
  readonly table: string;
  readonly key: string;
  /** null: the row was added. */
  readonly before: Row | null;
  /** null: the row was removed. */
  readonly after: Row | null;
}

export interface DbWatcher {
  snapshot(): Snapshot;
  /** One row by table and primary key value (single-column keys), or undefined. */
  row(table: string, key: string): Row | undefined;
  close(): void;
}

/** Opens `<home>/baton.db` read-only; every snapshot is one read transaction, so it sees whole commits only. */
export function watchDatabase(home: string): DbWatcher {
  const db = new Database(join(home, 'baton.db'), { readonly: true, fileMustExist: true });
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
  const keys = new Map<string, string[]>();
  for (const t of tables) {
    const cols = db.prepare(`PRAGMA table_info("${t}")`).all() as { name: string; pk: number }[];
    keys.set(t, cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name));
  }
  const selects = new Map(tables.map((t) => [t, db.prepare(`SELECT * FROM "${t}"`)]));
  const keyOf = (table: string, row: Row) => keys.get(table)!.map((k) => String(row[k])).join('|');
  // `data_version` changes when another connection commits: until it does, the last snapshot is still the database
  // (most fuzz cases are refused and commit nothing, so most snapshots cost one pragma, not every table).
  const version = db.prepare('PRAGMA data_version').pluck();
  let last: { version: unknown; snapshot: Snapshot } | null = null;
  const read = db.transaction((): Snapshot => {
    const v = version.get();
    if (last && last.version === v) return last.snapshot;
    const out: Snapshot = new Map();
    for (const t of tables) out.set(t, new Map((selects.get(t)!.all() as Row[]).map((r) => [keyOf(t, r), r])));
    last = { version: v, snapshot: out };
    return out;
  });
  return {
    snapshot: () => read(),
    row(table, key) {
      const [pk] = keys.get(table)!;
      return db.prepare(`SELECT * FROM "${table}" WHERE "${pk}" = ?`).get(key) as Row | undefined;
    },
    close: () => db.close(),
  };
}

export function diffSnapshots(before: Snapshot, after: Snapshot): RowChange[] {
  const changes: RowChange[] = [];
  for (const table of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(table) ?? new Map<string, Row>();
    const b = after.get(table) ?? new Map<string, Row>();
    for (const [key, row] of a) {
      const other = b.get(key);
      if (!other) changes.push({ table, key, before: row, after: null });
      else if (JSON.stringify(row) !== JSON.stringify(other)) changes.push({ table, key, before: row, after: other });
    }
    for (const [key, row] of b) if (!a.has(key)) changes.push({ table, key, before: null, after: row });
  }
  return changes;
}

/** A short, readable account of changes for failure messages. */
export function describeChanges(changes: readonly RowChange[]): string {
  return changes.map((c) => {
    const what = c.before === null ? 'added' : c.after === null ? 'removed' : 'changed';
    const cols = c.before && c.after ? Object.keys(c.after).filter((k) => c.before![k] !== c.after![k]).join(',') : '';
    return `${c.table}[${c.key}] ${what}${cols ? ` (${cols})` : ''}`;
  }).join('; ');
}
