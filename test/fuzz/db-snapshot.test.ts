// The fuzzers' change detector: a snapshot reused while nothing was committed must still see every commit.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { diffSnapshots, watchDatabase } from './db-snapshot.ts';

let home: string;
afterEach(() => rmSync(home, { recursive: true, force: true }));

it('sees a commit by another connection, a change of one column included, and nothing when none was made', () => {
  home = mkdtempSync(join(tmpdir(), 'baton-snap-'));
  const writer = new Database(join(home, 'baton.db'));
  writer.pragma('journal_mode = WAL');
  writer.exec('CREATE TABLE t (id TEXT PRIMARY KEY, v INTEGER)');
  writer.prepare("INSERT INTO t VALUES ('a', 1)").run();
  const w = watchDatabase(home);
  try {
    const first = w.snapshot();
    expect(diffSnapshots(first, w.snapshot())).toEqual([]);
    writer.prepare("UPDATE t SET v = 2 WHERE id = 'a'").run();
    const second = w.snapshot();
    expect(diffSnapshots(first, second)).toEqual([{ table: 't', key: 'a', before: { id: 'a', v: 1 }, after: { id: 'a', v: 2 } }]);
    writer.transaction(() => {
      writer.prepare("INSERT INTO t VALUES ('b', 3)").run();
      writer.prepare("DELETE FROM t WHERE id = 'a'").run();
    })();
    expect(diffSnapshots(second, w.snapshot()).map((c) => [c.key, c.before === null, c.after === null])).toEqual(expect.arrayContaining([['a', false, true], ['b', true, false]]));
    // A transaction rolled back commits nothing.
    const third = w.snapshot();
    expect(() => writer.transaction(() => {
      writer.prepare("INSERT INTO t VALUES ('c', 4)").run();
      throw new Error('no');
    })()).toThrow('no');
    expect(diffSnapshots(third, w.snapshot())).toEqual([]);
  } finally {
    w.close();
    writer.close();
  }
});
