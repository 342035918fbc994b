// The soak's world: `baton server` as a child on a fixed port (so it can be SIGKILLed and restarted on the
// same home), two `baton daemon` children each with its own BATON_HOME and fake vendor sandbox, and phones.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDaemonConfig } from '../../src/cli/lib/config.ts';
import { startServer } from '../../src/server/index.ts';
import { createFakeEnv, type FakeEnv } from '../helpers/fake-env.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-harness.ts';
import { BATON } from '../integration/stack.ts';

export interface ClusterOptions {
  /** Server resume timeout; longer than the daemons' driver timeout so a hung vendor fails the same way every run. */
  readonly resumeTimeoutMs: number;
  /** BATON_DRIVER_TIMEOUT_MS for the daemons (a `hang` fault fails after this). */
  readonly driverTimeoutMs: number;
  /** BATON_FAKE_SLOW_MS: how long `slow-start` holds a handshake (the window for mid-flight kills). */
  readonly slowMs: number;
  readonly phones: number;
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
}

export interface Cluster {
  readonly root: string;
  readonly serverHome: string;
  readonly url: string;
  readonly phoneTokens: readonly string[];
  readonly machines: readonly MachineNode[];
  server(): ServerProcess | null;
  killServer(): Promise<void>;
  startServer(): Promise<void>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const root = mkdtempSync(join(tmpdir(), 'baton-soak-'));
  const serverHome = join(root, 'server');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;

  // Set the home up in-process once (account, phone tokens, machine tokens), then run it as a child.
  const setup = await startServer({ home: serverHome, port: 0, log: () => {} });
  const account = setup.admin.defaultAccount();
  const phoneTokens = Array.from({ length: o.phones }, (_, i) => setup.admin.issueToken(account, 'phone', `phone-${i + 1}`).token);
  const names = ['laptop', 'devbox'];
  const machineTokens = names.map((n) => setup.admin.issueToken(account, 'machine', n));
  await setup.stop();

  let server: ServerProcess | null = null;
  const serverArgs = ['--port', String(port), '--resume-timeout-ms', String(o.resumeTimeoutMs), '--send-rate', '1000000', '--start-rate', '1000000'];

  const machines: MachineNode[] = [];
  for (const [index, name] of names.entries()) {
    const fake = await createFakeEnv({ slowMs: o.slowMs });
    const home = join(root, name);
    const issued = machineTokens[index]!;
    writeDaemonConfig(home, { serverUrl: url, token: issued.token, name, machineId: issued.machineId });
    let stderr = '';
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
        const c = spawn(process.execPath, [BATON, 'daemon', '--server', url], { env, cwd: fake.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
        c.stderr!.setEncoding('utf8').on('data', (d: string) => {
          stderr = (stderr + d).slice(-20_000);
        });
        node.child = c;
      },
      log: () => stderr,
    };
    machines.push(node);
  }

  const cluster: Cluster = {
    root, serverHome, url, phoneTokens, machines,
    server: () => server,
    async killServer() {
      const s = server;
      server = null;
      if (s) await s.kill('SIGKILL');
    },
    async startServer() {
      server = await startServerProcess(serverHome, serverArgs);
    },
    async close() {
      for (const m of machines) await m.kill();
      if (server) await server.kill('SIGTERM');
      server = null;
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
  await cluster.startServer();
  for (const m of machines) m.start();
  return cluster;
}
