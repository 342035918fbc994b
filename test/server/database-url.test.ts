// `--database`: a Postgres URL the server cannot use is refused at start with a sentence naming it (its password
// hidden), and the CLI refuses what is no Postgres URL, or flags that only mean something on SQLite, before starting.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HomeUnusableError } from '../../src/server/db/open-database.ts';
import { startServer } from '../../src/server/index.ts';
import { tempHome } from '../helpers/server-harness.ts';

const BATON = join(resolve(import.meta.dirname, '../..'), 'bin/baton.mjs');
const baton = (...args: string[]) => spawnSync(process.execPath, [BATON, ...args], { encoding: 'utf8', timeout: 30_000 });

describe('a database the server cannot use', () => {
  it('is refused at start, naming the URL without its password', async () => {
    const err = await startServer({ home: tempHome(), port: 0, databaseUrl: 'postgres://baton:hunter2@127.0.0.1:1/baton', log: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HomeUnusableError);
    expect((err as Error).message).toContain('postgres://baton:***@127.0.0.1:1/baton');
    expect((err as Error).message).toMatch(/cannot be reached.*ECONNREFUSED/);
    expect((err as Error).message).not.toContain('hunter2');
  });

  it('is refused by the CLI when it is no postgres:// URL, or with --max-db-mb (SQLite only), exit 2 with the usage', () => {
    const notPg = baton('server', '--database', 'mysql://x/y', '--home', tempHome());
    expect(notPg.status).toBe(2);
    expect(notPg.stderr).toContain('--database takes a postgres:// URL');
    const capped = baton('server', '--database', 'postgres://127.0.0.1:1/x', '--max-db-mb', '5', '--home', tempHome());
    expect(capped.status).toBe(2);
    expect(capped.stderr).toContain('--max-db-mb caps the embedded SQLite database');
    const lease = baton('server', '--lease-seconds', '2', '--home', tempHome());
    expect(lease.status).toBe(2);
    expect(lease.stderr).toContain('--lease-seconds is for several servers on one --database');
  });
});
