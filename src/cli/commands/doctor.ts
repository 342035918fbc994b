// `baton doctor`: which agent CLIs are installed (and where), which backends can resume, whether this
// machine's daemon runs, and whether the server answers with a valid token.
import { join } from 'node:path';
import { BACKENDS, BACKEND_INFO } from '../../core/index.ts';
import { checkCapabilities } from '../../machine/capabilities.ts';
import { queryControlSocket } from '../../machine/control-socket.ts';
import { createDrivers, resolveCommand } from '../../machine/providers/registry.ts';
import { parseFlags } from '../lib/args.ts';
import { createApiClient } from '../lib/api-client.ts';
import { batonHome, readCliConfig, readDaemonConfig } from '../lib/config.ts';

const USAGE = 'baton doctor [--json] [--home DIR]';

export async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { json: { type: 'boolean' }, home: { type: 'string' } }, USAGE);
  if (values.help) return void process.stdout.write(`usage: ${USAGE}\n`), 0;
  const home = batonHome(values.home);
  const { drivers, failures } = await createDrivers({ env: process.env });
  const caps = await checkCapabilities(drivers, failures);
  const backends = BACKENDS.map((b) => ({
    backend: b, command: resolveCommand(BACKEND_INFO[b].provider, process.env), ...(caps[b] ?? { installed: false, version: null, canResume: false, detail: 'no driver' }),
  }));
  const daemonStatus = (await queryControlSocket(join(home, 'daemon.sock'))) as { status?: { link: string; machineId: string | null; name: string; sessions: unknown[] } } | null;
  const daemon = daemonStatus?.status ?? null;

  const cli = readCliConfig(home);
  let server: { url: string | null; reachable: boolean; authorized: boolean; detail: string | null } = { url: cli?.serverUrl ?? readDaemonConfig(home)?.serverUrl ?? null, reachable: false, authorized: false, detail: null };
  if (server.url) {
    try {
      const r = await fetch(`${server.url}/api/health`);
      server.reachable = r.ok;
      if (cli?.token) {
        await createApiClient(server.url, cli.token).get('/api/machines');
        server.authorized = true;
      } else server.detail = 'no CLI token: run `baton up` or `baton pair`';
    } catch (e) {
      server.detail = e instanceof Error ? e.message : String(e);
    }
  } else server = { ...server, detail: 'no server configured: run `baton up`, or `baton daemon --server URL --code CODE`' };

  const ok = server.reachable && server.authorized;
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ home, backends, daemon, server }, null, 2)}\n`);
    return ok ? 0 : 1;
  }
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`home: ${home}`);
  out('backends:');
  for (const b of backends) {
    const state = !b.installed ? 'not installed' : b.canResume ? 'can resume' : 'cannot resume';
    out(`  ${b.backend.padEnd(17)} ${state.padEnd(14)} ${b.version ?? ''}${b.installed ? ` (${b.command})` : ''}${b.detail ? ` — ${b.detail}` : ''}`);
  }
  out(daemon ? `daemon: running as "${daemon.name}", link ${daemon.link}${daemon.machineId ? ` (machine ${daemon.machineId})` : ''}, ${daemon.sessions.length} managed session(s)` : 'daemon: not running on this home (start `baton daemon` or `baton up`)');
  out(`server: ${server.url ?? 'none'} — ${server.reachable ? 'reachable' : 'NOT reachable'}${server.reachable ? (server.authorized ? ', token accepted' : ', token NOT accepted') : ''}${server.detail ? ` (${server.detail})` : ''}`);
  return ok ? 0 : 1;
}
