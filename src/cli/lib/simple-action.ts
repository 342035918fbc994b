// The shared body of `baton stop|archive|unarchive <id>`.
import type { SessionRecord } from '../../core/index.ts';
import { parseFlags, positional } from './args.ts';
import { apiFor } from './config.ts';
import { sessionPath } from './session-ops.ts';

export async function simpleAction(action: 'stop' | 'archive' | 'unarchive', args: string[]): Promise<number> {
  const USAGE = `baton ${action} <id> [--json] [--home DIR]`;
  const { values, positionals } = parseFlags(args, { json: { type: 'boolean' }, home: { type: 'string' } }, USAGE);
  if (values.help) return void process.stdout.write(`usage: ${USAGE}\n`), 0;
  const id = positional(positionals, 0, 'id', USAGE);
  const api = await apiFor(values.home);
  const { session } = await api.post<{ session: SessionRecord }>(`${sessionPath(id)}/${action}`);
  if (values.json) process.stdout.write(`${JSON.stringify(session)}\n`);
  else process.stdout.write(`${id}: ${session.status}${session.archived ? ', archived' : ''} (${session.availability.state})\n`);
  return 0;
}
