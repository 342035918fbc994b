// Starts bench/lib/server-child.ts as a child process on a temp home and talks to it over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerOptions } from '../../src/server/index.ts';
import { REPO } from './report.ts';

/** The server options a benchmark sets: all of them, limits included, so a hardening change elsewhere cannot break a benchmark. */
export type BenchServerConfig = Required<Pick<ServerOptions, 'heartbeatTimeoutMs' | 'resumeTimeoutMs' | 'rateLimits' | 'staticDir' | 'compression' | 'socketCompression'>>
  & Pick<ServerOptions, 'socketLimits' | 'databaseUrl' | 'cluster'>;

/**
 * What every benchmark starts from: a scripted machine that pauses between phases is not marked offline, and
 * no rate limit a person would hit applies (each benchmark says what it sends; none is a flood test).
 */
export function benchServerConfig(overrides: Partial<BenchServerConfig> = {}): BenchServerConfig {
  return {
    heartbeatTimeoutMs: 120_000,
    resumeTimeoutMs: 30_000,
    rateLimits: { sendBurst: 100_000, sendPerSecond: 10_000, shareReadBurst: 100_000, shareReadPerSecond: 10_000, startBurst: 100_000, startPerSecond: 10_000 },
    staticDir: null,
    compression: true,
    socketCompression: false,
    ...overrides,
  };
}

export interface MemorySample {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly gc: boolean;
}

export interface ServerProcess {
  readonly url: string;
  readonly accountId: string;
  readonly pid: number;
  readonly home: string;
  readonly child: ChildProcess;
  phoneTokens(n: number, accounts?: number): Promise<Array<{ accountId: string; token: string }>>;
  machineToken(name: string, accountId?: string): Promise<{ token: string; machineId: string }>;
  pairingCode(kind: 'phone' | 'machine', accountId?: string): Promise<{ code: string; link: string }>;
  memory(): Promise<MemorySample>;
  /** CPU time the server process has used so far (user + system), ms. */
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

export async function startServerProcess(config: BenchServerConfig = benchServerConfig()): Promise<ServerProcess> {
  const home = mkdtempSync(join(tmpdir(), 'baton-bench-server-'));
  // BATON_BENCH_PROFILE=<dir>: a V8 CPU profile of each server child, written there when it stops (how the fan-out was profiled).
  const profile = process.env.BATON_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BATON_BENCH_PROFILE}`] : [];
  const child = fork(join(REPO, 'bin/run-ts.mjs'), [join(REPO, 'bench/lib/server-child.ts'), home, JSON.stringify(config)], {
    cwd: REPO, execArgv: ['--expose-gc', ...profile], stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr = (stderr + d).slice(-20_000);
  });
  const pending = new Map<number, (body: any) => void>();
  let nextId = 1;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const ready = await new Promise<{ url: string; accountId: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server child did not start in 30 s:\n${stderr}`)), 30_000);
    child.on('message', (m: any) => {
      if (m?.ready) {
        clearTimeout(timer);
        resolve(m);
      } else if (m && typeof m.id === 'number') {
        pending.get(m.id)?.(m.body);
        pending.delete(m.id);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server child exited (${code}):\n${stderr}`));
    });
  });
  const call = <T>(req: Record<string, unknown>): Promise<T> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, (body) => (body?.error ? reject(new Error(body.error)) : resolve(body)));
      child.send({ ...req, id });
    });
  let stopping: Promise<void> | null = null;
  return {
    url: ready.url, accountId: ready.accountId, pid: child.pid!, home, child,
    phoneTokens: async (n, accounts = 1) => (await call<{ tokens: Array<{ accountId: string; token: string }> }>({ cmd: 'phone-tokens', n, accounts })).tokens,
    machineToken: (name, accountId = '') => call({ cmd: 'machine-token', name, accountId }),
    pairingCode: (kind, accountId = '') => call({ cmd: 'pairing-code', kind, accountId }),
    memory: () => call({ cmd: 'memory' }),
    cpuMs: async () => (await call<{ ms: number }>({ cmd: 'cpu' })).ms,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          call({ cmd: 'stop' }).catch(() => {});
          const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(killer);
        }
        rmSync(home, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
