// `baton attach <id>`: follow a live session (transcript + live messages) and send stdin lines to it.
import { parseFlags, positional } from '../lib/args.ts';
import { helpText } from '../lib/help.ts';
import { attachSession } from '../lib/attach.ts';
import { CliError } from '../lib/cli-error.ts';
import { apiFor } from '../lib/config.ts';
import { getSession } from '../lib/session-ops.ts';

const USAGE = 'baton attach <id> [--home DIR]';
const HELP = helpText(USAGE, "Follows a live session: prints its transcript and new messages as they come; each line you type is sent.\nAn inactive session is never resumed by attach: use `baton resume`.", []);

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { home: { type: 'string' } }, USAGE);
  if (values.help) return void process.stdout.write(HELP), 0;
  const id = positional(positionals, 0, 'id', USAGE);
  const api = await apiFor(values.home);
  const s = await getSession(api, id);
  const a = s.availability;
  if (a.state !== 'live') {
    // Attach never resumes: reopening a vendor session is an explicit act (`baton resume`).
    const why = a.state === 'blocked' ? `blocked: ${a.reason}` : a.state;
    throw new CliError(`session ${id} is not running (${why}); ${a.state === 'resumable' ? `resume it with \`baton resume ${id} --message TEXT\`` : a.state === 'resuming' ? 'a resume is in flight; try again in a moment' : 'see `baton sessions` for why'}`);
  }
  process.stderr.write(`-- attached to ${id} (${s.provider}/${s.backend}, ${s.cwd}); type a message and press enter, Ctrl-D to leave\n`);
  return attachSession(api, id, { input: process.stdin, output: process.stdout });
}
