// The one sentence for every reason a message did not reach, or was not answered by, its agent.
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
};
