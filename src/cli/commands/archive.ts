// `baton archive <id>`: POST /api/sessions/:id/archive and print the session's state after it.
import { simpleAction } from '../lib/simple-action.ts';

export function run(args: string[]): Promise<number> {
  return simpleAction('archive', args);
}
