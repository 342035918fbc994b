// How messages look in a terminal, and the words for each failure code.
import { REASON_TEXT, RESUME_FAILURE_TEXT, type MessageFailureCode, type MessageRecord } from '../../core/index.ts';
import type { ApiClient } from './api-client.ts';

export const FAILURE_TEXT: Readonly<Record<MessageFailureCode, string>> = {
  ...RESUME_FAILURE_TEXT,
  'agent-exited': 'The agent exited before the message was written to it.',
  stopped: 'The session was stopped before the message was written to it.',
  cancelled: 'You called it off before its machine came back.',
  'hold-expired': 'Its machine did not come back in time.',
  'not-managed': REASON_TEXT['not-managed'].sentence,
  archived: REASON_TEXT.archived.sentence,
  'backend-unsupported': REASON_TEXT['backend-unsupported'].sentence,
  'missing-resume-id': REASON_TEXT['missing-resume-id'].sentence,
  'backend-disabled': REASON_TEXT['backend-disabled'].sentence,
};

export function describeFailure(failure: NonNullable<MessageRecord['failure']>): string {
  return `${failure.code}: ${FAILURE_TEXT[failure.code] ?? failure.detail}${failure.detail ? ` (${failure.detail})` : ''}`;
}

export function formatMessage(m: MessageRecord): string {
  switch (m.role) {
    case 'user':
      return `you> ${m.text}${m.state === 'failed' && m.failure ? `\n  ! not delivered: ${describeFailure(m.failure)}` : ''}`;
    case 'agent':
      return `agent> ${m.text}`;
    case 'tool':
      return `  [${m.tool ?? 'tool'}] ${m.text}`;
    case 'permission': {
      const p = m.permission;
      const d = p?.decision ? ` → ${p.decision}` : ' (waiting: answer on your phone)';
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
    const page = await api.get<{ messages: MessageRecord[]; hasMore: boolean }>(`/api/sessions/${encodeURIComponent(sessionId)}/messages?after=${after}&limit=200`);
    out.push(...page.messages);
    const last = page.messages.at(-1);
    if (!page.hasMore || !last) return out;
    after = last.seq;
  }
}
