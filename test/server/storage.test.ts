// The server's files and disk: the database and its journal owner-only whatever the folder, a full disk answered
// 507 with the path and nothing acknowledged lost, a home it cannot write refused at start with the path, and
// commits on disk before they are acknowledged.
// Regression: baton.db and its WAL were created 0644 in an existing home; a full or read-only disk gave
// "500 something went wrong" or an error without a path.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseFiles } from '../../src/server/db/open-database.ts';
import { openSqlite } from '../../src/server/db/sqlite.ts';
import { startTestServer, tempHome, type ScriptedMachine, type TestServer } from '../helpers/server-harness.ts';
import { liveSession, userMessagesOf } from './fixtures.ts';

const ROOT = resolve(import.meta.dirname, '../..');
let ts: TestServer | null = null;
let laptop: ScriptedMachine | null = null;
afterEach(async () => {
  await laptop?.disconnect().catch(() => {});
  await ts?.stop();
  ts = laptop = null;
});

const mode = (path: string) => statSync(path).mode & 0o777;

describe('file modes', () => {
  it('makes baton.db, its -wal and -shm 0600 in a home that is already 0755', async () => {
    const home = tempHome();
    chmodSync(home, 0o755);
    ts = await startTestServer({ home });
    laptop = ts.machine();
    await laptop.connect();
    const s = await liveSession(ts, laptop);
    expect((await ts.phone.route('sendMessage', { id: s.id, body: { clientId: 'c1', text: 'hello' } })).status).toBe(202);
    const files = databaseFiles(home);
    for (const f of files) expect(existsSync(f), f).toBe(true);
    for (const f of files) expect(mode(f), f).toBe(0o600);
  });

  it('tightens the 0644 files an earlier release left', () => {
    const home = tempHome();
    const old = new Database(join(home, 'baton.db'));
    old.pragma('journal_mode = WAL');
    old.exec('CREATE TABLE t (x)');
    for (const f of databaseFiles(home)) if (existsSync(f)) chmodSync(f, 0o644);
    const db = openSqlite(home);
    for (const f of databaseFiles(home)) if (existsSync(f)) expect(mode(f), f).toBe(0o600);
    db.close();
    old.close();
  });
});

describe('durability', () => {
  it('syncs every commit to disk (synchronous = FULL), so a 202 survives a power cut', () => {
    const db = openSqlite(tempHome()).raw;
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });
});

describe('a full disk', () => {
  it('answers 507 with a sentence naming the database, and loses nothing it acknowledged', async () => {
    const home = tempHome();
    // A database capped a little above its size (`--max-db-mb`), which fills as a full disk does: SQLITE_FULL.
    const probe = openSqlite(home).raw;
    const size = (probe.pragma('page_count', { simple: true }) as number) * (probe.pragma('page_size', { simple: true }) as number);
    probe.close();
    ts = await startTestServer({ home, maxDatabaseBytes: size + 256 * 1024 });
    laptop = ts.machine();
    await laptop.connect();
    const s = await liveSession(ts, laptop);
    const acknowledged: string[] = [];
    let refused: { status: number; body: any } | null = null;
    for (let i = 0; i < 200 && !refused; i++) {
      const res = await ts.phone.route('sendMessage', { id: s.id, body: { clientId: `c${i}`, text: `${i} `.padEnd(20_000, 'x') } });
      if (res.status === 202) acknowledged.push(`c${i}`);
      else refused = { status: res.status, body: res.body };
    }
    expect(refused?.status).toBe(507);
    expect(refused!.body.error.kind).toBe('insufficient-storage');
    expect(refused!.body.error.message).toContain(join(home, 'baton.db'));
    expect(refused!.body.error.message).toMatch(/size limit|disk .* is full/);
    expect(refused!.body.error.message).toMatch(/Nothing of this request was stored/);
    expect(acknowledged.length).toBeGreaterThan(3);
    expect(ts.logs().some((l) => l.includes('internal error'))).toBe(false);

    // After a restart with room again, every acknowledged message is there, once, and the refused one is not.
    await laptop.disconnect();
    await ts.server.stop();
    ts = await startTestServer({ home });
    laptop = null;
    const stored = (await userMessagesOf(ts, s.id)).map((m) => m.clientId);
    expect(stored).toEqual(acknowledged);
  });
});

describe('a home the server cannot write', () => {
  it('fails at start, naming the path (a read-only home)', async () => {
    const home = tempHome();
    mkdirSync(join(home, 'ro'));
    const ro = join(home, 'ro');
    chmodSync(ro, 0o555);
    // Root writes anywhere: there the server runs without the capabilities that override file modes (setpriv,
    // util-linux), so it meets the folder as any user would — and still reads the checkout, wherever it lies.
    const asRoot = process.getuid?.() === 0;
    const argv = [process.execPath, join(ROOT, 'bin/baton.mjs'), 'server', '--port', '0', '--home', ro];
    const [cmd, ...args] = asRoot ? ['setpriv', '--bounding-set=-dac_override,-dac_read_search', '--', ...argv] : argv;
    const child = spawn(cmd!, args, { cwd: ROOT, env: { ...process.env, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).not.toBe(0);
    expect(out).toMatch(new RegExp(`baton: cannot use ${ro.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^\\n]* not writable`));
    expect(out).not.toMatch(/at .*\.ts:\d+/); // one clear line, no stack
  }, 30_000);
});
