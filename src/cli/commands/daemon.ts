// `baton daemon --server URL [--code CODE] [--name N]`: pair on first run, then run this machine's daemon until stopped.
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { parseFlags } from '../lib/args.ts';
import { helpText } from '../lib/help.ts';
import { describeApiError } from '../lib/api-client.ts';
import { CliError, usage } from '../lib/cli-error.ts';
import { batonHome, daemonConfigPath, readDaemonConfig, writeDaemonConfig } from '../lib/config.ts';
import { startDaemon, untilSignal } from '../lib/daemon-runtime.ts';

const USAGE = 'baton daemon --server URL [--code CODE] [--name NAME] [--allow-root DIR]… [--acp-agent "COMMAND ARGS…"] [--home DIR]';
const HELP = helpText(USAGE, "Runs this machine's daemon: it connects to the server, runs the agents of this machine's sessions and\nresumes them strictly. The first run pairs with a machine code (`baton pair --kind machine` on the server).", [["--server URL", "the Baton server (remembered after pairing)"], ["--allow-root DIR", "a folder agents may work in (repeatable, remembered; default your home, never its dot-directories); the daemon refuses starts, resumes and takeovers elsewhere, whatever the server asks"], ["--code CODE", "a one-time machine pairing code (first run)"], ["--name NAME", "how this machine is shown (default the host name)"], ["--acp-agent CMD", "the ACP agent the `acp` backend runs, e.g. \"gemini --acp\" (remembered; BATON_ACP_AGENT overrides)"]]);

export async function run(args: string[]): Promise<number> {
  const { values } = parseFlags(args, { server: { type: 'string' }, code: { type: 'string' }, name: { type: 'string' }, home: { type: 'string' }, 'acp-agent': { type: 'string' }, 'allow-root': { type: 'string', multiple: true } }, USAGE);
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const home = batonHome(values.home);
  let config = readDaemonConfig(home);
  const serverUrl = (values.server ?? config?.serverUrl)?.replace(/\/+$/, '');
  if (!serverUrl) throw usage(`--server is required on first run\nusage: ${USAGE}`);
  const name = values.name ?? config?.name ?? hostname();

  if (values.code) {
    // A new pairing replaces the server and token; what this machine configured for itself (roots, agent) stays.
    config = { ...(config ?? {}), ...(await pair(serverUrl, values.code.trim(), name)), name };
    writeDaemonConfig(home, config);
  } else if (!config?.token) {
    throw new CliError(`this machine is not paired: get a machine pairing code on the server (\`baton pair --kind machine\`) and run ${USAGE.replace('[--code CODE]', '--code CODE')}`);
  } else if (config.serverUrl !== serverUrl) {
    throw new CliError(`this machine is paired with ${config.serverUrl} (${daemonConfigPath(home)}); pass --code to pair with ${serverUrl}`);
  }

  const acpAgent = values['acp-agent']?.trim();
  if (acpAgent !== undefined) {
    if (acpAgent === '') throw usage(`--acp-agent needs a command, e.g. --acp-agent "gemini --acp"\nusage: ${USAGE}`);
    config = { ...config, acpAgent };
    writeDaemonConfig(home, config);
  }
  // The environment wins over the remembered agent, as BATON_<PROVIDER>_PATH does for the other CLIs.
  if (config.acpAgent && !process.env.BATON_ACP_AGENT) process.env.BATON_ACP_AGENT = config.acpAgent;
  const allowRoots = values['allow-root']?.map((r) => r.trim()).filter((r) => r !== '');
  if (allowRoots !== undefined) {
    if (allowRoots.length === 0) throw usage(`--allow-root needs a folder\nusage: ${USAGE}`);
    config = { ...config, allowRoots: allowRoots.map((r) => resolve(r)) };
    writeDaemonConfig(home, config);
  }
  const { done, fatal } = untilSignal();
  const daemon = await startDaemon({ home, serverUrl, token: config.token, name, onFatal: fatal, allowRoots: allowRoots ? config.allowRoots : rootsFromConfig(config.allowRoots) });
  process.stderr.write(`baton daemon "${name}" running for ${serverUrl} (home ${home})\n`);
  const reason = await done;
  await daemon.stop();
  if (reason) throw new CliError(reason);
  return 0;
}

/** Remembered roots, unless BATON_ALLOW_ROOTS overrides them (as the environment wins for the ACP agent). */
function rootsFromConfig(roots: readonly string[] | undefined): readonly string[] {
  return process.env.BATON_ALLOW_ROOTS ? [] : roots ?? [];
}

async function pair(serverUrl: string, code: string, name: string) {
  let res: Response;
  try {
    res = await fetch(`${serverUrl}/api/pair`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, name, kind: 'machine' }),
    });
  } catch (e) {
    throw new CliError(`cannot reach the server at ${serverUrl}: ${(e as { cause?: { code?: string } }).cause?.code ?? String(e)}`);
  }
  const body = (await res.json().catch(() => null)) as { token?: string; machineId?: string; error?: never } | null;
  if (!res.ok || !body?.token) throw new CliError(`pairing failed: ${describeApiError(res.status, (body as { error?: never } | null)?.error ?? null)}`);
  return { serverUrl, token: body.token, machineId: body.machineId ?? null };
}
