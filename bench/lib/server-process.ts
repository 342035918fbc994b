// Starts bench/lib/server-child.ts as a child process on a temp home and talks to it over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './report.ts';

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
  stop(): Promise<void>;
}

export async function startServerProcess(opts: { staticDir?: string } = {}): Promise<ServerProcess> {
  const home = mkdtempSync(join(tmpdir(), 'baton-bench-server-'));
  const child = fork(join(REPO, 'bin/run-ts.mjs'), [join(REPO, 'bench/lib/server-child.ts'), home, opts.staticDir ?? ''], {
    cwd: REPO, execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
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
