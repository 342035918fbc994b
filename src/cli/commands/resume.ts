// `baton resume <id> [--message TEXT]`: strictly reopen an inactive session by sending a message (the
// phone's path: Baton resumes only to deliver something), then attach. Without --message the first stdin
// line is the message. On failure: the reason code and sentence, exit 1, and nothing was started.
import { createInterface } from 'node:readline';
import { parseFlags, positional } from '../lib/args.ts';
import { helpText } from '../lib/help.ts';
import { attachSession } from '../lib/attach.ts';
import { CliError, usage } from '../lib/cli-error.ts';
import { apiFor } from '../lib/config.ts';
import { getSession, sendMessage, waitForMessage } from '../lib/session-ops.ts';
import { describeFailure } from '../lib/transcript.ts';

const USAGE = 'baton resume <id> [--message TEXT] [--no-attach] [--timeout MS] [--home DIR]';
const HELP = helpText(USAGE, "Strictly reopens an inactive session (the same vendor session, never a new one) by delivering a message,\nthen attaches. Without --message the first line of stdin is the message. On failure it prints the reason\ncode and sentence, exits 1, and nothing was started.", [["-m, --message TEXT", "the message to deliver"], ["--no-attach", "return once the message is delivered"], ["--timeout MS", "how long to wait for delivery (default 120000)"]]);

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    message: { type: 'string', short: 'm' }, 'no-attach': { type: 'boolean' }, timeout: { type: 'string' }, home: { type: 'string' },
  }, USAGE);
  if (values.help) return void process.stdout.write(HELP), 0;
  const id = positional(positionals, 0, 'id', USAGE);
  const api = await apiFor(values.home);
  const before = await getSession(api, id);
  if (before.availability.state === 'blocked') {
    // Same words the server would answer with; checked first so no stdin is consumed for nothing.
    const { describeBlock } = await import('../../core/index.ts');
    const t = describeBlock(before.availability.reason, before.availability.detail);
    throw new CliError(`cannot resume: ${before.availability.reason}: ${t.sentence} ${t.fix}`);
  }
  const text = values.message ?? (await firstLine());
  if (!text) throw usage(`resume needs a message to deliver: --message TEXT, or type it as the first line\nusage: ${USAGE}`);
  process.stderr.write(before.availability.state === 'live' ? `-- ${id} is already live; sending\n` : `-- resuming ${id} (vendor id ${before.vendorResumeId})…\n`);

  const sent = await sendMessage(api, id, text);
  const m = await waitForMessage(api, id, sent, 'delivered', Number(values.timeout ?? 120_000));
  if (m.state === 'failed') throw new CliError(`resume failed: ${m.failure ? describeFailure(m.failure) : 'unknown reason'}`);
  const after = await getSession(api, id);
  process.stderr.write(`-- resumed ${id} with the same vendor session ${after.vendorResumeId}\n`);
  if (values['no-attach']) return 0;
  return attachSession(api, id, { input: process.stdin, output: process.stdout, pending: [m] });
}

let sharedReader: ReturnType<typeof createInterface> | null = null;
function firstLine(): Promise<string | null> {
  return new Promise((resolve) => {
    if (process.stdin.isTTY) process.stderr.write('message to send on resume: ');
    sharedReader = createInterface({ input: process.stdin, terminal: false });
    let got = false;
    sharedReader.once('line', (line) => {
      got = true;
      // Stop reading so the rest of stdin goes to attach.
      sharedReader?.close();
      process.stdin.pause();
      resolve(line.trim() || null);
    });
    sharedReader.once('close', () => {
      if (!got) resolve(null);
    });
  });
}
