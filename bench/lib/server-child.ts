// The server under test in its own process (so its memory and CPU are its own), driven over IPC by a benchmark.
// Usage (via fork): run-ts bench/lib/server-child.ts <home> <config JSON>; needs --expose-gc for memory figures.
import { startServer } from '../../src/server/index.ts';
import type { BenchServerConfig } from './server-process.ts';
import type { AccountId } from '../../src/core/index.ts';

export type ChildRequest =
  | { id: number; cmd: 'phone-tokens'; n: number; accounts: number }
  | { id: number; cmd: 'machine-token'; accountId: string; name: string }
  | { id: number; cmd: 'pairing-code'; accountId: string; kind: 'phone' | 'machine' }
  | { id: number; cmd: 'memory' }
  | { id: number; cmd: 'cpu' }
  | { id: number; cmd: 'stop' };

const [home, configJson] = process.argv.slice(2);
if (!home || !configJson || !process.send) throw new Error('server-child must be forked with a home directory and a config');
const config = JSON.parse(configJson) as BenchServerConfig;

// Every option comes from the benchmark (bench/lib/server-process.ts): nothing depends on the defaults of the day.
const server = await startServer({ ...config, home, port: 0, log: (line) => process.stderr.write(`[server] ${line}\n`) });
const defaultAccount = server.admin.defaultAccount();

function memory() {
  const gc = (globalThis as { gc?: () => void }).gc;
  // Two passes: the first frees, the second settles weak refs and finalizers.
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, gc: Boolean(gc) };
}

process.on('message', async (req: ChildRequest) => {
  const reply = (body: unknown) => process.send!({ id: req.id, body });
  try {
    switch (req.cmd) {
      case 'phone-tokens': {
        // `accounts` accounts, the first being the home's default account; tokens spread evenly over them.
        const accounts: AccountId[] = [defaultAccount];
        while (accounts.length < req.accounts) accounts.push(server.admin.createAccount());
        const tokens = Array.from({ length: req.n }, (_, i) => {
          const accountId = accounts[i % accounts.length]!;
          return { accountId, token: server.admin.issueToken(accountId, 'phone', `phone-${i}`).token };
        });
        return reply({ tokens });
      }
      case 'machine-token': {
        const issued = server.admin.issueToken((req.accountId || defaultAccount) as AccountId, 'machine', req.name);
        return reply({ token: issued.token, machineId: issued.machineId });
      }
      case 'pairing-code':
        return reply(server.admin.createPairingCode((req.accountId || defaultAccount) as AccountId, req.kind));
      case 'memory':
        return reply(memory());
      case 'cpu': {
        // User + system CPU time of the server process so far, in ms (the caller takes differences).
        const u = process.cpuUsage();
        return reply({ ms: (u.user + u.system) / 1000 });
      }
      case 'stop':
        await server.stop();
        reply({ stopped: true });
        return process.exit(0);
      default:
        return reply({ error: `unknown command ${(req as { cmd: string }).cmd}` });
    }
  } catch (err) {
    reply({ error: (err as Error).message });
  }
});
process.send({ ready: true, url: server.url, accountId: defaultAccount });
