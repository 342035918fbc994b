// `baton send <id> <text>`: the phone's exact path (fresh client id, strict resume included), then wait for a state.
import { formatUntil } from '../../core/index.ts';
import { parseFlags, positional } from '../lib/args.ts';
import { helpText } from '../lib/help.ts';
import { CliError, usage } from '../lib/cli-error.ts';
import { apiFor } from '../lib/config.ts';
import { sendMessage, waitForMessage, type WaitTarget } from '../lib/session-ops.ts';
import { describeFailure } from '../lib/transcript.ts';

const USAGE = 'baton send <id> <text> [--wait accepted|delivered|answered] [--timeout MS] [--json] [--home DIR]';
const HELP = helpText(USAGE, "Sends a message exactly the way the phone does (an inactive session is resumed strictly first) and waits\nfor it to reach a state. If it is not delivered, prints the reason code and sentence and exits 1.", [["--wait STATE", "accepted, delivered (default) or answered"], ["--timeout MS", "how long to wait (default 120000)"], ["--json", "print the message record"]]);

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { wait: { type: 'string' }, timeout: { type: 'string' }, json: { type: 'boolean' }, home: { type: 'string' } }, USAGE);
  if (values.help) return void process.stdout.write(HELP), 0;
  const id = positional(positionals, 0, 'id', USAGE);
  const text = positionals.slice(1).join(' ');
  if (!text) throw usage(`missing <text>\nusage: ${USAGE}`);
  const wait = (values.wait ?? 'delivered') as WaitTarget;
  if (!['accepted', 'delivered', 'answered'].includes(wait)) throw usage(`--wait must be accepted, delivered or answered`);
  const api = await apiFor(values.home);
  const sent = await sendMessage(api, id, text);
  if (sent.state === 'held' && sent.heldUntil !== undefined) {
    // Its machine is offline: the server holds it and sends it through the strict resume when the machine is back.
    process.stderr.write(`held: the session's machine is offline; the server sends it when it reconnects (gives up ${formatUntil(sent.heldUntil, Date.now())})\n`);
  }
  const m = await waitForMessage(api, id, sent, wait, Number(values.timeout ?? 120_000));
  if (values.json) process.stdout.write(`${JSON.stringify(m)}\n`);
  if (m.state === 'failed') {
    throw new CliError(`not delivered: ${m.failure ? describeFailure(m.failure) : 'unknown reason'}`);
  }
  if (m.state === 'unanswered' && wait === 'answered') {
    throw new CliError(`delivered, not answered: ${m.failure ? describeFailure(m.failure) : 'unknown reason'}`);
  }
  if (!values.json) process.stdout.write(`${m.state} (message ${m.id})\n`);
  return 0;
}
