// `baton unarchive <id>`: POST /api/sessions/:id/unarchive and print the session's state after it.
import { simpleAction } from '../lib/simple-action.ts';

export function run(args: string[]): Promise<number> {
  return simpleAction('unarchive', args);
}
