// `baton run <provider>`: start a new managed session on this machine, wait until it is live, then attach (or print its ids).
import { resolve } from 'node:path';
import * as v from 'valibot';
import { BACKENDS, PROVIDERS } from '../../core/index.ts';
import { parseFlags, positional } from '../lib/args.ts';
import { helpText } from '../lib/help.ts';
import { attachSession } from '../lib/attach.ts';
import { CliError, usage } from '../lib/cli-error.ts';
import { apiFor, batonHome, readDaemonConfig } from '../lib/config.ts';
import { waitUntil } from '../lib/events.ts';
import { getSession } from '../lib/session-ops.ts';

const USAGE = `baton run <${PROVIDERS.join('|')}> [--backend B] [--cwd DIR] [--title T] [--machine ID] [--detach] [--json] [--timeout MS]`;
const HELP = helpText(USAGE, "Starts a new managed session of an agent on this machine, waits until it is live, then attaches (type a\nmessage and press enter; Ctrl-D leaves, the agent keeps running).", [["--backend B", "how to drive the provider (default: the provider's resumable backend)"], ["--cwd DIR", "the project directory (default the current one)"], ["--title T", "the session's title"], ["--machine ID", "run it on another paired machine"], ["--detach", "do not attach; print the session id"], ["--json", "with --detach: print {\"id\", \"vendorResumeId\"}"], ["--timeout MS", "how long to wait for the agent to start (default 60000)"]]);

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    backend: { type: 'string' }, cwd: { type: 'string' }, title: { type: 'string' }, machine: { type: 'string' },
    detach: { type: 'boolean' }, json: { type: 'boolean' }, home: { type: 'string' }, timeout: { type: 'string' },
  }, USAGE);
  if (values.help) return void process.stdout.write(HELP), 0;
  const provider = positional(positionals, 0, 'provider', USAGE);
  if (!v.is(v.picklist(PROVIDERS), provider)) throw usage(`unknown provider "${provider}" (one of ${PROVIDERS.join(', ')})`);
  if (values.backend !== undefined && !v.is(v.picklist(BACKENDS), values.backend)) throw usage(`unknown backend "${values.backend}" (one of ${BACKENDS.join(', ')})`);

  const api = await apiFor(values.home);
  const machineId = values.machine ?? (await thisMachine(api, values.home));
  const { session } = await api.call('startSession', { body: {
    machineId, provider, cwd: resolve(values.cwd ?? process.cwd()),
    ...(values.backend ? { backend: values.backend } : {}), ...(values.title ? { title: values.title } : {}),
  } });

  const live = await waitUntil(api, async () => {
    const s = await getSession(api, session.id);
    if (s.status === 'active' && s.vendorId) return s;
    const notes = await api.call('listMessages', { id: session.id, query: { limit: 50 } });
    const failed = notes.messages.find((m) => m.role === 'notice' && /could not start/i.test(m.text));
    if (failed) throw new CliError(`session ${session.id} did not start: ${failed.text}`);
    return null;
  }, Number(values.timeout ?? 60_000), `session ${session.id} to start`);

  if (values.detach) {
    if (values.json) process.stdout.write(`${JSON.stringify({ id: live.id, vendorResumeId: live.vendorId })}\n`);
    else process.stdout.write(`started ${live.id} (${live.provider}/${live.backend}, vendor id ${live.vendorId})\nattach with: baton attach ${live.id}\n`);
    return 0;
  }
  process.stderr.write(`-- started ${live.id} (${live.provider}/${live.backend}); type a message and press enter, Ctrl-D to leave\n`);
  return attachSession(api, live.id, { input: process.stdin, output: process.stdout });
}

/** The machine this home's daemon is paired as; else the only machine of the account. */
async function thisMachine(api: Awaited<ReturnType<typeof apiFor>>, home?: string): Promise<string> {
  const own = readDaemonConfig(batonHome(home))?.machineId;
  if (own) return own;
  const { machines } = await api.call('listMachines');
  if (machines.length === 1) return machines[0]!.id;
  throw usage(machines.length === 0 ? 'no machine is paired yet: run `baton daemon` on one' : `several machines are paired; pick one with --machine (${machines.map((m) => `${m.id} = ${m.name}`).join(', ')})`);
}
