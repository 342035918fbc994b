// The soak's Postgres: a throw-away cluster (scripts/pg-cluster.sh) or a given server, and in it a schema of the
// run's own (so runs never see each other's rows), dropped at the end unless SOAK_KEEP is set.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const PG_CLUSTER = resolve(import.meta.dirname, '../../scripts/pg-cluster.sh');
const run = promisify(execFile);

export interface SoakPostgres {
  /** The URL the servers and the observer use: the run's schema first on the search path. */
  readonly url: string;
  close(): Promise<void>;
}

/** `server`: a Postgres URL to make the schema in; without it a throw-away cluster on `port` is started and removed. */
export async function startPostgres(o: { server?: string; port: number }): Promise<SoakPostgres> {
  let dir: string | null = null;
  let base = o.server;
  if (!base) {
    // Outside the soak's root: as root the cluster runs as `postgres`, which must be able to reach its directory.
    dir = mkdtempSync(join(tmpdir(), 'baton-soak-pg-'));
    base = (await run('bash', [PG_CLUSTER, 'start', dir, String(o.port)])).stdout.trim();
  }
  // A soak stopped by a signal (soak-cli exits on SIGINT/SIGTERM, so 'exit' runs) still removes its cluster.
  const leftover = dir;
  const stopOnExit = () => {
    if (leftover && !process.env.SOAK_KEEP) execFileSync('bash', [PG_CLUSTER, 'stop', leftover], { stdio: 'ignore' });
  };
  process.once('exit', stopOnExit);
  const schema = `soak_${randomBytes(6).toString('hex')}`;
  await admin(base, `CREATE SCHEMA ${schema}`);
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    async close() {
      if (process.env.SOAK_KEEP) {
        process.stderr.write(`kept Postgres schema ${schema} at ${base}${dir ? ` (cluster in ${dir}; stop it with scripts/pg-cluster.sh stop ${dir})` : ''}\n`);
        return;
      }
      process.off('exit', stopOnExit);
      if (dir) await run('bash', [PG_CLUSTER, 'stop', dir]);
      else await admin(base!, `DROP SCHEMA ${schema} CASCADE`);
    },
  };
}

async function admin(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
