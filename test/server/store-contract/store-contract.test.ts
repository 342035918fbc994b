// The storage guarantees, asserted directly on the database the run uses: SQLite by default, Postgres when
// BATON_TEST_POSTGRES is set (scripts/test-all.sh runs this file both ways). Races are between two real processes
// (hammer.ts) on one database: on SQLite the second waits on the file lock, on Postgres serializable retries decide.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type ServerContext } from '../../../src/server/context.ts';
import { MIGRATIONS, NewerSchemaError } from '../../../src/server/db/migrations.ts';
import { openDatabase, type Db } from '../../../src/server/db/open-database.ts';
import { openBridge } from '../../../src/server/db/pg-bridge.ts';
import { PG_MIGRATIONS } from '../../../src/server/db/pg-migrations.ts';
import { startServer } from '../../../src/server/index.ts';
import { createStores } from '../../../src/server/store/index.ts';
import { startTestServer, tempHome } from '../../helpers/server-harness.ts';
import { databaseFor, openTestDatabase, postgresUrlFor, TEST_POSTGRES } from '../../helpers/test-database.ts';
import { liveSession } from '../fixtures.ts';
import type { HammerCall } from './hammer.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const DIALECT = TEST_POSTGRES ? 'postgres' : 'sqlite';
const homes: string[] = [];

function home(): string {
  const h = tempHome('baton-contract-');
  homes.push(h);
  return h;
}

afterAll(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

/** A home with an account and one active session whose machine then went away (messages to it are stored held). */
async function sessionHome(): Promise<{ home: string; accountId: string; sessionId: string }> {
  const h = home();
  const ts = await startTestServer({ home: h });
  const laptop = ts.machine('laptop');
  await laptop.connect();
  const s = await liveSession(ts, laptop);
  await laptop.disconnect();
  await ts.stop();
  return { home: h, accountId: ts.accountId, sessionId: s.id };
}

/** Runs one hammer.ts per argument list at once on `home`'s database (started together once all are ready). */
async function race(h: string, ...argLists: string[][]): Promise<HammerCall[][]> {
  const children = argLists.map((args) => spawn(process.execPath, [join(ROOT, 'bin/run-ts.mjs'), join(import.meta.dirname, 'hammer.ts'), h, ...args], {
    cwd: ROOT, env: process.env, stdio: ['pipe', 'pipe', 'pipe'],
  }));
  const outputs = children.map((child) => {
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const lines = createInterface({ input: child.stdout! });
    const ready = new Promise<void>((ok, fail) => {
      lines.once('line', (l) => (l === 'ready' ? ok() : fail(new Error(`hammer said ${l}`))));
      child.once('exit', (code) => fail(new Error(`hammer exited ${code} before it was ready: ${err}`)));
    });
    const result = new Promise<HammerCall[]>((ok, fail) => {
      let last = '';
      lines.on('line', (l) => (last = l));
      child.once('exit', (code) => (code === 0 ? ok(JSON.parse(last) as HammerCall[]) : fail(new Error(`hammer exited ${code}: ${err}`))));
    });
    return { ready, result };
  });
  await Promise.all(outputs.map((o) => o.ready));
  for (const child of children) child.stdin!.write('go\n');
  return Promise.all(outputs.map((o) => o.result));
}

/**
 * Runs `round` until the two processes it races ran at the same time (its answer), at most three rounds: on a loaded
 * machine one process can finish before the other begins, and then no race was run. Each round asserts the invariants.
 */
async function untilRaced(round: (n: number) => Promise<boolean>): Promise<void> {
  for (let n = 0; n < 3; n++) if (await round(n)) return;
  expect.fail('the two processes never ran at the same time in three rounds');
}

/** The two processes' committed changes interleave (else the race was never run: one finished before the other began). */
function interleaved(a: HammerCall[], b: HammerCall[], key: (c: HammerCall) => number | null | undefined): boolean {
  const keys = (calls: HammerCall[]) => calls.map(key).filter((k): k is number => typeof k === 'number');
  const [ka, kb] = [keys(a), keys(b)];
  return Math.min(...ka) < Math.max(...kb) && Math.min(...kb) < Math.max(...ka);
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

/** Rows read straight from the database, without an adapter's migration check. */
function rawRows(h: string, url: string | null, sql: string): unknown[] {
  if (!url) {
    const raw = new Database(join(h, 'baton.db'), { readonly: true });
    try {
      return raw.prepare(sql).all();
    } finally {
      raw.close();
    }
  }
  const bridge = openBridge(url);
  try {
    return bridge.call({ op: 'query', text: sql, values: [] }).rows;
  } finally {
    bridge.close();
  }
}

function contextOn(db: Db): ServerContext {
  return createContext({ db, stores: createStores(db), now: Date.now, log: () => {}, resumeTimeoutMs: 60_000, heartbeatTimeoutMs: 6_000, publicUrl: () => 'http://x' });
}

describe(`the store contract on ${DIALECT}`, () => {
  describe('a message is stored once per client id', () => {
    let h: Awaited<ReturnType<typeof sessionHome>>;
    beforeAll(async () => void (h = await sessionHome()), 60_000);

    it('the same send twice: the second answers 200 with the first message, nothing new stored', async () => {
      const ts = await startTestServer({ home: h.home });
      try {
        const body = { clientId: 'twice-1', text: 'hello' };
        const first = await ts.phone.post(`/api/sessions/${h.sessionId}/messages`, body);
        const second = await ts.phone.post(`/api/sessions/${h.sessionId}/messages`, body);
        expect([first.status, second.status]).toEqual([202, 200]);
        expect(second.body.message.id).toBe(first.body.message.id);
        expect(second.body.message.seq).toBe(first.body.message.seq);
      } finally {
        await ts.stop();
      }
      const db = openTestDatabase(h.home);
      const rows = db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM messages WHERE session_id = ? AND client_id = 'twice-1'").get(h.sessionId)!;
      db.close();
      expect(Number(rows.n)).toBe(1);
    });

    it('two processes sending the same client ids at once: each stored once, one 202 and one 200 naming it', async () => {
      await untilRaced(async (n) => {
        const clientIds = ids(`same${n}`, 40);
        // One process goes forwards, the other backwards: they meet in the middle, on the same ids at the same time.
        const [a, b] = await race(h.home, [h.accountId, h.sessionId, 'send', clientIds.join(',')], [h.accountId, h.sessionId, 'send', [...clientIds].reverse().join(',')]);
        const calls = [...a!, ...b!];
        expect(calls.filter((c) => c.error)).toEqual([]);
        for (const id of clientIds) {
          const answers = calls.filter((c) => c.clientId === id);
          expect(answers.map((c) => c.status).sort()).toEqual([200, 202]);
          expect(answers[0]!.messageId).toBe(answers[1]!.messageId);
          expect(answers[0]!.seq).toBe(answers[1]!.seq);
          // A send that stored nothing published no change.
          expect(answers.find((c) => c.status === 200)!.cursor).toBeNull();
        }
        const db = openTestDatabase(h.home);
        const rows = db.prepare<[string, string], { client_id: string; id: string }>('SELECT client_id, id FROM messages WHERE session_id = ? AND client_id LIKE ? ORDER BY client_id').all(h.sessionId, `same${n}-%`);
        db.close();
        expect(rows.map((r) => r.client_id)).toEqual([...clientIds].sort());
        for (const r of rows) expect(calls.find((c) => c.clientId === r.client_id)!.messageId).toBe(r.id);
        // Both stored some: they ran at the same time, not one after the other.
        return a!.some((c) => c.status === 202) && b!.some((c) => c.status === 202);
      });
    }, 120_000);
  });

  it('two processes appending to one session at once: seq is unique and gap-free, each answer names its row', async () => {
    const h = await sessionHome();
    const db = openTestDatabase(h.home);
    const seqs = () => db.prepare<[string], { seq: number; id: string }>('SELECT seq, id FROM messages WHERE session_id = ? ORDER BY seq').all(h.sessionId);
    await untilRaced(async (n) => {
      const before = seqs();
      const [a, b] = await race(h.home, [h.accountId, h.sessionId, 'send', ids(`a${n}`, 60).join(',')], [h.accountId, h.sessionId, 'send', ids(`b${n}`, 60).join(',')]);
      const calls = [...a!, ...b!];
      expect(calls.filter((c) => c.error)).toEqual([]);
      expect(calls.every((c) => c.status === 202)).toBe(true);
      const after = seqs();
      // 1, 2, 3 … with nothing missing or repeated, the session's earlier messages first.
      expect(after.map((r) => Number(r.seq))).toEqual(after.map((_, i) => i + 1));
      expect(after.length).toBe(before.length + 120);
      const bySeq = new Map(after.map((r) => [Number(r.seq), r.id]));
      for (const c of calls) expect(bySeq.get(c.seq!)).toBe(c.messageId);
      // Within one process, later sends come later in the session.
      for (const mine of [a!, b!]) expect(mine.map((c) => c.seq!)).toEqual([...mine.map((c) => c.seq!)].sort((x, y) => x - y));
      return interleaved(a!, b!, (c) => c.seq);
    });
    db.close();
  }, 180_000);

  it('the account cursor under two processes writing at once: strictly increasing, never repeated, every change counted', async () => {
    const h = await sessionHome();
    const db = openTestDatabase(h.home);
    const cursorOf = () => Number(db.prepare<[string], { cursor: number }>('SELECT cursor FROM accounts WHERE id = ?').get(h.accountId)!.cursor);
    await untilRaced(async (n) => {
      const start = cursorOf();
      const [a, b] = await race(h.home, [h.accountId, h.sessionId, 'rename', '80', `a${n}`], [h.accountId, h.sessionId, 'send', ids(`c${n}`, 80).join(',')]);
      expect([...a!, ...b!].filter((c) => c.error)).toEqual([]);
      for (const mine of [a!, b!]) {
        const cursors = mine.map((c) => c.cursor!);
        expect(cursors.every((c) => typeof c === 'number')).toBe(true);
        for (let i = 1; i < cursors.length; i++) expect(cursors[i]!).toBeGreaterThan(cursors[i - 1]!);
      }
      const all = [...a!, ...b!].map((c) => Number(c.cursor));
      expect(new Set(all).size).toBe(160);
      expect(Math.min(...all)).toBe(start + 1);
      expect(Math.max(...all)).toBe(start + 160);
      expect(cursorOf()).toBe(start + 160);
      // The session row carries the cursor of the last change to it (sync finds changed rows by it).
      const row = db.prepare<[string], { cursor: number }>('SELECT cursor FROM sessions WHERE id = ?').get(h.sessionId)!;
      expect(Number(row.cursor)).toBe(Math.max(...all));
      return interleaved(a!, b!, (c) => c.cursor);
    });
    db.close();
  }, 180_000);

  describe('transactions', () => {
    let db: Db;
    let ctx: ServerContext;
    let accountId: string;
    beforeAll(() => {
      db = openTestDatabase(home());
      ctx = contextOn(db);
      accountId = `acc-${DIALECT}`;
      db.prepare('INSERT INTO accounts (id, created_at) VALUES (?, ?)').run(accountId, 1);
    });
    afterAll(() => db.close());

    const count = (table: string) => Number(db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).get()!.n);
    const cursor = () => Number(db.prepare<[string], { cursor: number }>('SELECT cursor FROM accounts WHERE id = ?').get(accountId)!.cursor);

    it('a change that throws leaves nothing: no row, no cursor bump, no after-commit effect, no observer call', () => {
      const machinesBefore = count('machines');
      const cursorBefore = cursor();
      const ran: string[] = [];
      const stop = ctx.observeCommits(() => void ran.push('observer'));
      expect(() => ctx.change((tx) => {
        const c = tx.cursor(accountId);
        db.prepare('INSERT INTO machines (id, account_id, name, created_at, cursor) VALUES (?, ?, ?, ?, ?)').run('mac-doomed', accountId, 'doomed', 1, c);
        tx.afterCommit(() => void ran.push('effect'));
        throw new Error('boom');
      })).toThrow('boom');
      stop();
      expect(count('machines')).toBe(machinesBefore);
      expect(cursor()).toBe(cursorBefore);
      expect(ran).toEqual([]);
      // And the connection is usable afterwards: the next change commits.
      ctx.change((tx) => void db.prepare('INSERT INTO machines (id, account_id, name, created_at, cursor) VALUES (?, ?, ?, ?, ?)').run('mac-kept', accountId, 'kept', 1, tx.cursor(accountId)));
      expect(count('machines')).toBe(machinesBefore + 1);
      expect(cursor()).toBe(cursorBefore + 1);
    });

    it('a statement the database refuses rolls back what the transaction wrote before it', () => {
      const before = count('machines');
      expect(() => db.transaction(() => {
        db.prepare('INSERT INTO machines (id, account_id, name, created_at, cursor) VALUES (?, ?, ?, ?, ?)').run('mac-first', accountId, 'first', 1, 0);
        // The same id again: a primary key violation.
        db.prepare('INSERT INTO machines (id, account_id, name, created_at, cursor) VALUES (?, ?, ?, ?, ?)').run('mac-first', accountId, 'again', 1, 0);
      }).immediate()).toThrow();
      expect(count('machines')).toBe(before);
    });

    it('a nested transaction that throws undoes only its own writes', () => {
      const before = count('machines');
      db.transaction(() => {
        db.prepare('INSERT INTO machines (id, account_id, name, created_at, cursor) VALUES (?, ?, ?, ?, ?)').run('mac-outer', accountId, 'outer', 1, 0);
        expect(() => db.transaction(() => {
          db.prepare('INSERT INTO machines (id, account_id, name, created_at, cursor) VALUES (?, ?, ?, ?, ?)').run('mac-inner', accountId, 'inner', 1, 0);
          throw new Error('inner');
        })()).toThrow('inner');
      }).immediate();
      const names = db.prepare<[], { name: string }>("SELECT name FROM machines WHERE id IN ('mac-outer', 'mac-inner')").all().map((r) => r.name);
      expect(names).toEqual(['outer']);
      expect(count('machines')).toBe(before + 1);
    });
  });

  describe('statements as the stores write them', () => {
    let db: Db;
    beforeAll(() => {
      db = openTestDatabase(home());
      db.exec('CREATE TABLE contract_kv (k TEXT PRIMARY KEY, v TEXT NOT NULL)');
    });
    afterAll(() => db.close());

    it('a ? inside a string literal is text, not a parameter', () => {
      expect(db.prepare<[string], { q: string; p: string; c: string }>("SELECT '?' AS q, ? AS p, 'it''s ?' AS c").get('x')).toEqual({ q: '?', p: 'x', c: "it's ?" });
    });

    it('a named parameter used twice takes one value', () => {
      db.prepare('INSERT INTO contract_kv (k, v) VALUES (@k, @k || @v)').run({ k: 'a', v: '!' });
      expect(db.prepare<[], { v: string }>("SELECT v FROM contract_kv WHERE k = 'a'").get()!.v).toBe('a!');
    });

    it('INSERT OR IGNORE … RETURNING returns the row when it was stored, nothing when it was ignored', () => {
      const insert = db.prepare<[string, string], { k: string; v: string }>('INSERT OR IGNORE INTO contract_kv (k, v) VALUES (?, ?) RETURNING k, v');
      expect(insert.get('b', 'first')).toEqual({ k: 'b', v: 'first' });
      expect(insert.get('b', 'second')).toBeUndefined();
      expect(insert.run('b', 'third').changes).toBe(0);
      expect(db.prepare<[], { v: string }>("SELECT v FROM contract_kv WHERE k = 'b'").get()!.v).toBe('first');
    });
  });

  describe('a schema newer than this build', () => {
    const newest = Math.max(...(DIALECT === 'sqlite' ? MIGRATIONS : PG_MIGRATIONS).map((m) => m.id));
    let h: string;
    let url: string | null;
    beforeAll(() => {
      h = home();
      url = postgresUrlFor(h);
      const db = openDatabase(h, url ? { url } : {});
      db.prepare('INSERT INTO migrations (id, name, applied_at) VALUES (?, ?, ?)').run(newest + 1, 'from-a-newer-baton', 1);
      db.close();
    });

    it('is refused on open, with a message naming the database and both schema numbers', () => {
      let error: unknown;
      try {
        openDatabase(h, url ? { url } : {}).close();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(NewerSchemaError);
      const where = DIALECT === 'sqlite' ? join(h, 'baton.db') : new URL(url!).host;
      expect((error as Error).message).toContain(where);
      expect((error as Error).message).toContain(`schema ${newest + 1}`);
      expect((error as Error).message).toContain(`up to ${newest}`);
    });

    it('a server will not start on it, and leaves it as it was', async () => {
      await expect(startServer({ home: h, port: 0, log: () => {}, ...databaseFor(h) })).rejects.toThrow(NewerSchemaError);
      // Read past the adapters (which refuse it too).
      expect(rawRows(h, url, 'SELECT name FROM migrations ORDER BY id DESC')[0]).toEqual({ name: 'from-a-newer-baton' });
      expect(rawRows(h, url, 'SELECT id FROM accounts')).toEqual([]);
    });
  });
});
