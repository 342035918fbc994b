// The shared body of `baton stop|archive|unarchive|takeover <id>`.
import { parseFlags, positional } from './args.ts';
import { apiFor } from './config.ts';
import { helpText } from './help.ts';

const WHAT = {
  stop: 'Stops the session\'s agent. The session stays resumable: the next message reopens the same vendor session.',
  archive: 'Archives the session (stopping its agent first). An archived session is never resumed until unarchived.',
  unarchive: 'Unarchives the session, so a message can resume it again.',
  takeover: 'Takes over a direct session (one started in the vendor\'s own CLI): Baton manages it from now on, and the next message reopens that same vendor session by strict resume. Close it in its terminal first; a session open elsewhere is refused (session-in-use) rather than forked.',
} as const;
/** The route of each action (src/core/routes.ts). */
const ROUTE_OF = { stop: 'stopSession', archive: 'archiveSession', unarchive: 'unarchiveSession', takeover: 'takeOverSession' } as const;

export async function simpleAction(action: keyof typeof WHAT, args: string[]): Promise<number> {
  const USAGE = `baton ${action} <id> [--json] [--home DIR]`;
  const { values, positionals } = parseFlags(args, { json: { type: 'boolean' }, home: { type: 'string' } }, USAGE);
  if (values.help) return void process.stdout.write(helpText(USAGE, WHAT[action], [['--json', 'print the session record']])), 0;
  const id = positional(positionals, 0, 'id', USAGE);
  const api = await apiFor(values.home);
  const { session } = await api.call(ROUTE_OF[action], { id });
  if (values.json) process.stdout.write(`${JSON.stringify(session)}\n`);
  else process.stdout.write(`${id}: ${session.status}${session.archived ? ', archived' : ''} (${session.availability.state})\n`);
  return 0;
}
