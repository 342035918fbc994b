// The one sentence for every reason a message did not reach, or was not answered by, its agent.
import { REASON_TEXT } from './availability.ts';
import type { MessageFailureCode } from './delivery.ts';
import { RESUME_FAILURE_TEXT } from './resume-attempt.ts';
import { TURN_FAILURE_TEXT } from './turn.ts';

export const MESSAGE_FAILURE_TEXT: Readonly<Record<MessageFailureCode, string>> = {
  ...RESUME_FAILURE_TEXT,
  'agent-exited': 'The agent exited before the message was written to it.',
  stopped: 'The session was stopped before the message was written to it.',
  interrupted: TURN_FAILURE_TEXT.interrupted.sentence,
  'auth-failed': TURN_FAILURE_TEXT['auth-failed'].sentence,
  'vendor-gave-up': TURN_FAILURE_TEXT['vendor-gave-up'].sentence,
  'turn-failed': TURN_FAILURE_TEXT['turn-failed'].sentence,
  'turn-lost': 'The agent stopped before it answered (it was stopped, crashed, or its machine restarted).',
  cancelled: 'You called it off before its machine came back.',
  'hold-expired': 'Its machine did not come back in time, so it was not sent.',
  // A held message whose session became blocked for good: the block's own sentence.
  'not-managed': REASON_TEXT['not-managed'].sentence,
  archived: REASON_TEXT.archived.sentence,
  'backend-unsupported': REASON_TEXT['backend-unsupported'].sentence,
  'missing-resume-id': REASON_TEXT['missing-resume-id'].sentence,
  'backend-disabled': REASON_TEXT['backend-disabled'].sentence,
};
