// How messages look in a terminal, and the words for each failure code.
import { MESSAGE_FAILURE_TEXT, type MessageRecord } from '../../core/index.ts';
import type { ApiClient } from './api-client.ts';

export function describeFailure(failure: NonNullable<MessageRecord['failure']>): string {
  return `${failure.code}: ${MESSAGE_FAILURE_TEXT[failure.code] ?? failure.detail}${failure.detail ? ` (${failure.detail})` : ''}`;
}

export function formatMessage(m: MessageRecord): string {
  switch (m.role) {
    case 'user':
      if (m.state === 'unanswered' && m.failure) return `you> ${m.text}\n  ! delivered, not answered: ${describeFailure(m.failure)}`;
      return `you> ${m.text}${m.state === 'failed' && m.failure ? `\n  ! not delivered: ${describeFailure(m.failure)}` : ''}`;
    case 'agent':
      return `agent> ${m.text}`;
    case 'tool': {
      const e = m.entry;
      if (e?.kind === 'plan') return `  [plan] ${e.items.map((i) => `${i.status === 'done' ? '[x]' : i.status === 'in-progress' ? '[~]' : '[ ]'} ${i.text}`).join('  ')}`;
      if (e?.kind !== 'tool' || e.status === 'running') return `  [${m.tool ?? 'tool'}] ${m.text}`;
      const exit = e.result?.exitCode !== null && e.result?.exitCode !== undefined ? `, exit ${e.result.exitCode}` : '';
      return `  [${m.tool ?? 'tool'}] ${m.text} (${e.status}${exit})`;
    }
    case 'permission': {
      const p = m.permission;
      const d = p?.decision ? ` → ${p.decision}${p.answeredBy ? ` (by “${p.answeredBy.name}”)` : ''}` : ' (waiting: answer on your phone)';
      return `  ? permission to use ${p?.tool ?? 'a tool'}: ${p?.input ?? m.text}${d}`;
    }
    case 'notice':
      return `-- ${m.text}`;
    default:
      return m.text;
  }
}

/** Every message of a session after `afterSeq`, following pages. */
export async function fetchMessages(api: ApiClient, sessionId: string, afterSeq = 0): Promise<MessageRecord[]> {
  const out: MessageRecord[] = [];
  let after = afterSeq;
  for (;;) {
    const page = await api.call('listMessages', { id: sessionId, query: { after, limit: 200 } });
    out.push(...page.messages);
    const last = page.messages.at(-1);
    if (!page.hasMore || !last) return out;
    after = last.seq;
  }
}
