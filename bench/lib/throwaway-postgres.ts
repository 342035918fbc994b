// A throw-away Postgres cluster for a benchmark (scripts/pg-cluster.sh): started on a free port in a temp dir,
// stopped and removed when the benchmark ends, also when it throws or is killed by a signal.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { REPO } from './report.ts';

export interface ThrowawayPostgres {
  /** The cluster's `postgres` database. */
  readonly url: string;
  /** Creates an empty database and returns its URL (one per server setup: each starts from a fresh schema). */
  database(name: string): Promise<string>;
  /** Stops the cluster and removes its directory; safe to call twice. */
  stop(): void;
}

const SCRIPT = join(REPO, 'scripts/pg-cluster.sh');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts the cluster or throws with a line saying why (never a silent skip: a benchmark that needs it fails). */
export async function startPostgres(opts: { durable?: boolean } = {}): Promise<ThrowawayPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-pg-'));
  const port = await freePort();
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    spawnSync('bash', [SCRIPT, 'stop', dir], { stdio: 'ignore', timeout: 30_000 });
    rmSync(dir, { recursive: true, force: true });
  };
  // A crash or the run's timeout (SIGTERM) must not leave a postgres running.
  const onSignal = (sig: NodeJS.Signals) => {
    stop();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('exit', stop);
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
  return {
    url,
    async database(name) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      const u = new URL(url);
      u.pathname = `/${name}`;
      return u.toString();
    },
    stop,
  };
}
