// `baton takeover <id>`: POST /api/sessions/:id/takeover and print the session's state after it.
import { simpleAction } from '../lib/simple-action.ts';

export function run(args: string[]): Promise<number> {
  return simpleAction('takeover', args);
}
