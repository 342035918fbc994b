// A throw-away Postgres for a run that needs one of its own (the soak, the cluster benchmark): scripts/pg-cluster.sh
// started in a temp dir on a free port, stopped and removed when the run ends — also when it throws or a signal
// stops it — and, in it, databases or schemas so that setups never see each other's rows.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.ts';

const SCRIPT = resolve(import.meta.dirname, '../../scripts/pg-cluster.sh');

export interface ThrowawayPostgres {
  /** The cluster's `postgres` database. */
  readonly url: string;
  /** Where the cluster lives (`scripts/pg-cluster.sh stop DIR` removes it). */
  readonly dir: string;
  /** Stops the cluster and removes its directory; safe to call twice. */
  stop(): void;
}

/**
 * Starts a cluster or throws with a line saying why (never a silent skip). `durable`: Postgres's own durable
 * defaults instead of the test cluster's fsync off. `keep`: left running at exit, for a look at what a run wrote.
 */
export async function startThrowawayPostgres(opts: { durable?: boolean; keep?: boolean } = {}): Promise<ThrowawayPostgres> {
  // In the system temp dir: as root the cluster runs as `postgres`, which must be able to reach its directory.
  const dir = mkdtempSync(join(tmpdir(), 'baton-pg-'));
  const port = await freePort();
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', stopAtExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    spawnSync('bash', [SCRIPT, 'stop', dir], { stdio: 'ignore', timeout: 30_000 });
    rmSync(dir, { recursive: true, force: true });
  };
  const stopAtExit = () => {
    if (!opts.keep) stop();
  };
  // A crash or a run's timeout (SIGTERM) must not leave a postgres running.
  const onSignal = (sig: NodeJS.Signals) => {
    stopAtExit();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('exit', stopAtExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const env = { ...process.env, ...(opts.durable ? { BATON_PG_DURABLE: '1' } : {}) };
  const r = spawnSync('bash', [SCRIPT, 'start', dir, String(port)], { encoding: 'utf8', timeout: 120_000, env });
  const url = r.stdout?.trim().split('\n').at(-1) ?? '';
  if (r.status !== 0 || !url.startsWith('postgres://')) {
    let log = '';
    try {
      log = readFileSync(join(dir, 'log'), 'utf8').slice(-2_000);
    } catch {
      // no log: initdb itself failed
    }
    stop();
    throw new Error(`could not start a throw-away Postgres (scripts/pg-cluster.sh start, exit ${r.status ?? r.signal}): ${(r.stderr || r.error?.message || '').trim().slice(-2_000)}${log ? `\n--- postgres log ---\n${log}` : ''}`);
  }
  return { url, dir, stop };
}

/** Creates an empty database on the server at `url` and returns its URL. */
export async function createDatabase(url: string, name: string): Promise<string> {
  await admin(url, `CREATE DATABASE ${name}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A schema of its own on the server at `url` (named `prefix_` and random hex); its URL puts it first on the search path. */
export async function createSchema(url: string, prefix: string): Promise<{ readonly name: string; readonly url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await admin(url, `CREATE SCHEMA ${name}`);
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${name}`);
  return { name, url: u.toString(), drop: () => admin(url, `DROP SCHEMA ${name} CASCADE`) };
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
