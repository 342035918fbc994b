// The soak's world: `baton server` as a child on a fixed port (so it can be SIGKILLed and restarted on the same home)
// — or, with `instances: 2`, two of them on one Postgres behind a TCP balancer — two `baton daemon` children each
// with its own BATON_HOME and fake vendor sandbox, and phones.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDaemonConfig } from '../../src/cli/lib/config.ts';
import { startServer } from '../../src/server/index.ts';
import { createFakeEnv, type FakeEnv } from '../helpers/fake-env.ts';
import { freePort } from '../helpers/free-port.ts';
import { createSchema, startThrowawayPostgres } from '../helpers/throwaway-postgres.ts';
import { BATON } from '../integration/stack.ts';
import { startBalancer, type Balancer } from './balancer.ts';
import { waitUntil } from './context.ts';

export interface ClusterOptions {
  /** Server resume timeout; longer than the daemons' driver timeout so a hung vendor fails the same way every run. */
  readonly resumeTimeoutMs: number;
  /** BATON_DRIVER_TIMEOUT_MS for the daemons (a `hang` fault fails after this). */
  readonly driverTimeoutMs: number;
  /** BATON_FAKE_SLOW_MS: how long `slow-start` holds a handshake (the window for mid-flight kills). */
  readonly slowMs: number;
  readonly phones: number;
  /** Server instances sharing the database (more than one needs Postgres). */
  readonly instances: number;
  /** Keep the data in Postgres: `true` for a throw-away cluster, or a server's URL to make the run's schema in. */
  readonly postgres: boolean | string;
}

export interface MachineNode {
  readonly index: number;
  readonly name: string;
  readonly machineId: string;
  readonly home: string;
  readonly fake: FakeEnv;
  child: ChildProcess | null;
  /** SIGKILL the daemon and wait until it is gone (its agents see their stdin close). */
  kill(): Promise<void>;
  start(): void;
  /** The tail of the daemon's stderr, for failure reports. */
  log(): string;
  /** How many times the daemon was welcomed by a server since it was made (its hello was applied). */
  welcomes(): number;
  /** When it was last welcomed (0: never). */
  welcomedAt(): number;
}

/** One `baton server` process: its own home and port; SIGKILLed and started again on both. */
export interface ServerInstance {
  readonly index: number;
  /** `server` alone; `A`, `B` with two instances. */
  readonly name: string;
  readonly home: string;
  readonly url: string;
  pid(): number | null;
  /** Everything it wrote to stdout and stderr since it was last started. */
  output(): string;
}

export interface Cluster {
  readonly root: string;
  /** Where the data lives: the first instance's home (its baton.db), or a Postgres URL. */
  readonly serverHome: string;
  readonly databaseUrl: string | null;
  /** What the daemons and the first phone connect to: the server, or the balancer in front of the instances. */
  readonly url: string;
  readonly phoneTokens: readonly string[];
  /** Per phone, where it connects: the balancer, or pinned to one instance. */
  readonly phoneUrls: readonly string[];
  /** Per phone, the instance it is pinned to (null: through the balancer or the only server). */
  readonly phoneInstance: readonly (number | null)[];
  readonly machines: readonly MachineNode[];
  readonly instances: readonly ServerInstance[];
  readonly balancer: Balancer | null;
  /** The instance holding machine `m`'s socket now (0 with one server; null while it has none). */
  machineInstance(m: number): number | null;
  /**
   * Machine `m` holds a socket on a live instance that welcomed it. With one server the database's online flag says
   * so; on a shared database a dead instance's machines stay online until their leases run out, so ask the balancer.
   */
  machineReady(m: number): boolean;
  killInstance(i: number): Promise<void>;
  startInstance(i: number): Promise<void>;
  /** Every instance at once (the whole service). */
  killServer(): Promise<void>;
  startServer(): Promise<void>;
  /** The tail of every instance's output, for failure reports. */
  serverLog(): string;
  close(): Promise<void>;
}

export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  if (o.instances > 1 && o.postgres === false) throw new Error('several server instances share a Postgres database: pass postgres');
  const root = mkdtempSync(join(tmpdir(), 'baton-soak-'));
  // The run's own schema (runs never see each other's rows), in a throw-away cluster or on the server given.
  const keep = Boolean(process.env.SOAK_KEEP);
  const pgCluster = o.postgres === true ? await startThrowawayPostgres({ keep }) : null;
  const pgServer = typeof o.postgres === 'string' ? o.postgres : pgCluster?.url ?? null;
  const schema = pgServer ? await createSchema(pgServer, 'soak') : null;
  const databaseUrl = schema?.url ?? null;
  const names = o.instances === 1 ? ['server'] : Array.from({ length: o.instances }, (_, i) => String.fromCharCode(65 + i));
  const ports = await Promise.all(names.map(() => freePort()));
  const homes = names.map((n) => join(root, o.instances === 1 ? 'server' : `server-${n}`));
  for (const h of homes) mkdirSync(h, { recursive: true });

  // Set the data up in-process once (account, phone tokens, machine tokens), then run the servers as children.
  const setup = await startServer({ home: homes[0]!, port: 0, log: () => {}, ...(databaseUrl ? { databaseUrl } : {}) });
  const account = setup.admin.defaultAccount();
  const phoneTokens = Array.from({ length: o.phones }, (_, i) => setup.admin.issueToken(account, 'phone', `phone-${i + 1}`).token);
  const machineNames = ['laptop', 'devbox'];
  const machineTokens = machineNames.map((n) => setup.admin.issueToken(account, 'machine', n));
  await setup.stop();

  const balancer = o.instances > 1 ? await startBalancer(ports, [...machineNames, 'phones']) : null;
  const serverArgs = ['--resume-timeout-ms', String(o.resumeTimeoutMs), '--send-rate', '1000000', '--start-rate', '1000000', ...(databaseUrl ? ['--database', databaseUrl] : []),
    // The default lease (10 s): a live daemon reconnects to the other instance well within it, so its hand-over always
    // beats the sweep and the table is the same run after run (with 3 s, a loaded machine let the sweep win at times).
  ];
  const procs: (ServerChild | null)[] = names.map(() => null);
  const instances: ServerInstance[] = names.map((name, index) => ({
    index, name, home: homes[index]!, url: `http://127.0.0.1:${ports[index]}`,
    pid: () => procs[index]?.child.pid ?? null,
    output: () => procs[index]?.output() ?? '',
  }));
  const url = balancer ? balancer.url('phones') : instances[0]!.url;
  const phoneUrls = phoneTokens.map((_, i) => (!balancer || i === 0 ? url : instances[(i - 1) % instances.length]!.url));
  const phoneInstance = phoneTokens.map((_, i) => (!balancer || i === 0 ? null : (i - 1) % instances.length));

  const machines: MachineNode[] = [];
  for (const [index, name] of machineNames.entries()) {
    const fake = await createFakeEnv({ slowMs: o.slowMs });
    const home = join(root, name);
    const issued = machineTokens[index]!;
    const serverUrl = balancer ? balancer.url(name) : url;
    writeDaemonConfig(home, { serverUrl, token: issued.token, name, machineId: issued.machineId });
    let stderr = '';
    let welcomes = 0;
    let welcomedAt = 0;
    const node: MachineNode = {
      index, name, machineId: issued.machineId!, home, fake, child: null,
      async kill() {
        const c = node.child;
        node.child = null;
        if (!c || c.exitCode !== null || c.signalCode !== null) return;
        const gone = new Promise((r) => c.once('exit', r));
        c.kill('SIGKILL');
        await gone;
      },
      start() {
        const env = {
          ...process.env, ...fake.env, BATON_HOME: home,
          BATON_DRIVER_TIMEOUT_MS: String(o.driverTimeoutMs), BATON_DIRECT_INTERVAL_MS: '250',
        };
        const c = spawn(process.execPath, [BATON, 'daemon', '--server', serverUrl], { env, cwd: fake.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
        c.stderr!.setEncoding('utf8').on('data', (d: string) => {
          // The daemon logs this line on every welcome (src/machine/daemon.ts).
          const n = d.split(`connected to ${serverUrl} as machine`).length - 1;
          welcomes += n;
          if (n > 0) welcomedAt = Date.now();
          stderr = (stderr + d).slice(-20_000);
        });
        node.child = c;
      },
      log: () => stderr,
      welcomes: () => welcomes,
      welcomedAt: () => welcomedAt,
    };
    machines.push(node);
  }

  const cluster: Cluster = {
    root, serverHome: homes[0]!, databaseUrl, url, phoneTokens, phoneUrls, phoneInstance, machines, instances, balancer,
    machineInstance: (m) => (balancer ? balancer.placement(machines[m]!.name) : 0),
    machineReady(m) {
      if (!balancer) return true;
      const { name } = machines[m]!;
      return balancer.placement(name) !== null && machines[m]!.welcomedAt() >= balancer.linkedAt(name);
    },
    async killInstance(i) {
      const p = procs[i];
      procs[i] = null;
      // The balancer's health check notices at once (a real one within its interval; until then connects are refused).
      balancer?.setUp(i, false);
      if (p) await p.kill('SIGKILL');
    },
    async startInstance(i) {
      procs[i] = await spawnServer(homes[i]!, ['--port', String(ports[i]), ...serverArgs]);
      balancer?.setUp(i, true);
    },
    async killServer() {
      await Promise.all(instances.map((_, i) => cluster.killInstance(i)));
    },
    async startServer() {
      await Promise.all(instances.map((_, i) => cluster.startInstance(i)));
    },
    serverLog: () => instances.map((s) => `--- server ${s.name} (tail) ---\n${s.output().slice(-3000)}`).join('\n'),
    async close() {
      for (const m of machines) await m.kill();
      for (const [i, p] of procs.entries()) {
        procs[i] = null;
        await p?.kill('SIGTERM');
      }
      await balancer?.close();
      // Agents whose daemon died exit when their stdin closes; give them a moment before removing the sandbox.
      const deadline = Date.now() + 5_000;
      for (const m of machines) {
        for (;;) {
          const pids = await m.fake.livePids();
          if (pids.length === 0 || Date.now() > deadline) {
            for (const pid of pids) {
              try {
                process.kill(pid, 'SIGKILL');
              } catch {
                // already gone
              }
            }
            break;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      if (keep && schema) process.stderr.write(`kept Postgres schema ${schema.name} at ${pgServer}${pgCluster ? ` (cluster in ${pgCluster.dir}; stop it with scripts/pg-cluster.sh stop ${pgCluster.dir})` : ''}\n`);
      else if (pgCluster) pgCluster.stop();
      else await schema?.drop();
      // SOAK_KEEP=1 leaves every home, database and vendor transcript behind to look at after a failure.
      if (process.env.SOAK_KEEP) {
        writeFileSync(join(root, 'fakes.txt'), machines.map((m) => `${m.name} ${m.fake.root}\n`).join(''));
        process.stderr.write(`kept ${root} (fake vendor sandboxes listed in its fakes.txt)\n`);
        return;
      }
      rmSync(root, { recursive: true, force: true });
      for (const m of machines) await m.fake.cleanup();
    },
  };
  try {
    await cluster.startServer();
  } catch (e) {
    await cluster.close();
    throw e;
  }
  for (const m of machines) m.start();
  return cluster;
}

interface ServerChild {
  readonly child: ChildProcess;
  output(): string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** `baton server --home <home> …` as a child, resolved once its server.json names it (it listens then). */
async function spawnServer(home: string, args: string[]): Promise<ServerChild> {
  const child = spawn(process.execPath, [BATON, 'server', '--home', home, ...args], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const add = (d: Buffer) => void (out = (out + d.toString()).slice(-50_000));
  child.stdout!.on('data', add);
  child.stderr!.on('data', add);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const listening = await waitUntil(() => {
    if (child.exitCode !== null) return 'exited';
    const path = join(home, 'server.json');
    // A killed predecessor's file does not count.
    return existsSync(path) && (JSON.parse(readFileSync(path, 'utf8')) as { pid: number }).pid === child.pid && 'listening';
  }, 20_000, 10);
  if (listening === 'exited') throw new Error(`baton server exited early:\n${out}`);
  if (!listening) {
    child.kill('SIGKILL');
    throw new Error(`baton server did not listen within 20 s:\n${out}`);
  }
  return {
    child,
    output: () => out,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
