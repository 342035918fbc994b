// A short, clearly labelled summary of an old session, used to seed a new one the user asked for.
import type { ServerContext } from '../context.ts';
import type { SessionRow } from '../store/sessions.ts';

const LAST_MESSAGES = 8;
const MAX_CHARS_EACH = 600;

export function summaryOf(ctx: ServerContext, old: SessionRow): string {
  const lines = ctx.stores.messages.lastConversation(old.id, LAST_MESSAGES).map((m) => {
    const text = m.text.length > MAX_CHARS_EACH ? `${m.text.slice(0, MAX_CHARS_EACH)}…` : m.text;
    return `${m.role === 'user' ? 'User' : 'Agent'}: ${text}`;
  });
  return [
    `[Summary of an earlier session, “${old.title}” (${old.provider}, ${old.cwd}), added by Baton — its last ${lines.length} messages:]`,
    ...lines,
    '[End of summary]',
  ].join('\n');
}
