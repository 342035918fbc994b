// `baton doctor`: which agent CLIs are installed (where, which version, what to install), which backends
// can resume, whether this machine's daemon runs, and whether the server answers with a valid token.
// Exit 0 only when the server is reachable and accepts this terminal's token.
import { join } from 'node:path';
import { BACKENDS, BACKEND_INFO, PROVIDERS, backendsOf, routeRequest, type BackendCapability } from '../../core/index.ts';
import { checkCapabilities } from '../../machine/capabilities.ts';
import { queryControlSocket } from '../../machine/control-socket.ts';
import { createDrivers, resolveCommand } from '../../machine/providers/registry.ts';
import { parseFlags } from '../lib/args.ts';
import { helpText } from '../lib/help.ts';
import { ApiError, createApiClient } from '../lib/api-client.ts';
import { batonHome, readCliConfig, readDaemonConfig } from '../lib/config.ts';
import { machinePolicy } from '../lib/daemon-runtime.ts';

const USAGE = 'baton doctor [--json] [--home DIR]';
const HELP = helpText(USAGE, "Checks this machine: the agent CLIs on PATH (override one with BATON_CLAUDE_PATH, BATON_CODEX_PATH,\nBATON_OPENCODE_PATH or BATON_GEMINI_PATH), which backends can resume a session, which folders this\nmachine's agents may work in, whether this home's daemon runs, and whether the server in $BATON_HOME/cli.json answers. Exits 1 if the server does not.", [["--json", "print the checks as JSON"]]);

interface ServerCheck {
  url: string | null;
  reachable: boolean;
  authorized: boolean;
  detail: string | null;
}

export async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { json: { type: 'boolean' }, home: { type: 'string' } }, USAGE);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const home = batonHome(values.home);
  const { drivers, failures } = await createDrivers({ env: process.env });
  const caps = await checkCapabilities(drivers, failures);
  const missing: BackendCapability = { installed: false, version: null, canResume: false, detail: 'no driver' };
  const backends = BACKENDS.map((b) => ({ backend: b, command: resolveCommand(BACKEND_INFO[b].provider, process.env), ...(caps[b] ?? missing) }));
  const providers = PROVIDERS.map((p) => {
    const mine = backends.filter((b) => backendsOf(p).includes(b.backend));
    const installed = mine.find((b) => b.installed);
    return {
      provider: p, command: resolveCommand(p, process.env), installed: !!installed, version: installed?.version ?? null,
      detail: installed ? null : mine[0]?.detail ?? null,
    };
  });
  const daemonStatus = (await queryControlSocket(join(home, 'daemon.sock'))) as { status?: { link: string; machineId: string | null; name: string; sessions: unknown[]; queuedFrames?: number; parkedFrames?: number; policy?: { roots: string[]; isDefault: boolean; description: string } | null } } | null;
  const daemon = daemonStatus?.status ?? null;
  const server = await checkServer(home);
  // The running daemon's own policy when it runs; else what `baton daemon` would start with on this home.
  const remembered = readDaemonConfig(home)?.allowRoots;
  const planned = machinePolicy(process.env.BATON_ALLOW_ROOTS ? [] : remembered ?? []);
  const policy = daemon?.policy ?? { roots: planned.roots, isDefault: planned.isDefault, description: planned.describe() };

  const ok = server.reachable && server.authorized;
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ home, providers, backends, daemon, policy, server }, null, 2)}\n`);
    return ok ? 0 : 1;
  }
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const pw = Math.max(...PROVIDERS.map((p) => p.length));
  const bw = Math.max(...BACKENDS.map((b) => b.length));
  out(`home: ${home}`);
  out('agent CLIs:');
  const vw = Math.max(...providers.map((p) => (p.installed ? (p.version ?? 'installed').length : 0)));
  for (const p of providers) {
    if (p.installed) out(`  ${p.provider.padEnd(pw)}  ${(p.version ?? 'installed').padEnd(vw)}  ${p.command}`);
    else {
      const hint = /is not installed \((.+)\)$/.exec(p.detail ?? '')?.[1];
      out(`  ${p.provider.padEnd(pw)}  not installed — ${hint ? `install it with: ${hint}` : p.detail ?? 'not found on PATH'}`);
    }
  }
  out('backends:');
  for (const b of backends) {
    const state = !b.installed ? 'not installed' : b.canResume ? 'can resume' : 'cannot resume';
    // The CLI line above already says why a backend is not installed; repeat only other reasons.
    const why = b.installed && !b.canResume && b.detail ? ` — ${b.detail}` : '';
    out(`  ${b.backend.padEnd(bw)}  ${state}${why}`);
  }
  out(daemon
    ? `daemon: running as "${daemon.name}", link ${daemon.link}${daemon.machineId ? ` (machine ${daemon.machineId})` : ''}, ${daemon.sessions.length} managed session(s)`
      + `${daemon.queuedFrames ? `, ${daemon.queuedFrames} report(s) not yet confirmed by the server` : ''}`
      + `${daemon.parkedFrames ? `, ${daemon.parkedFrames} report(s) the server kept failing to store (parked; see the daemon's log)` : ''}`
    : 'daemon: not running on this home (start `baton daemon` or `baton up`)');
  out(`folders: ${policy.description}; starts, resumes and takeovers elsewhere are refused by the daemon, whatever the server asks`);
  const state = !server.url ? 'not configured' : !server.reachable ? 'unreachable' : server.authorized ? 'reachable, token accepted' : 'reachable, token NOT accepted';
  out(`server: ${server.url ? `${server.url} — ` : ''}${state}${server.detail ? ` (${server.detail})` : ''}`);
  return ok ? 0 : 1;
}

async function checkServer(home: string): Promise<ServerCheck> {
  const cli = readCliConfig(home);
  const url = cli?.serverUrl ?? readDaemonConfig(home)?.serverUrl ?? null;
  if (!url) return { url, reachable: false, authorized: false, detail: 'run `baton up`, or `baton pair --code CODE --server URL`' };
  try {
    // Its own fetch, for the timeout: a server that accepts and never answers is not reachable.
    const health = routeRequest('health').path;
    const r = await fetch(`${url}${health}`, { signal: AbortSignal.timeout(5_000) });
    if (!r.ok) return { url, reachable: false, authorized: false, detail: `${health} answered ${r.status}` };
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return { url, reachable: false, authorized: false, detail: `${cause?.code ?? cause?.message ?? (e as Error).message}; start it with \`baton up\` or \`baton server\`` };
  }
  if (!cli?.token) return { url, reachable: true, authorized: false, detail: 'this terminal has no token: run `baton pair --code CODE`' };
  try {
    await createApiClient(url, cli.token).call('listMachines');
    return { url, reachable: true, authorized: true, detail: null };
  } catch (e) {
    return { url, reachable: true, authorized: false, detail: e instanceof ApiError && e.status === 401 ? 'the token was refused: pair this terminal again' : (e as Error).message };
  }
}
