// The sentence for why a message was not delivered: a resume failure, a delivery failure, or a block reason.
import { RESUME_FAILURE_TEXT, type ResumeFailureCode } from '../../core/resume-attempt.ts';

const DELIVERY_TEXT: Record<string, string> = {
  'agent-exited': 'The agent exited before the message was written to it.',
  stopped: 'The session was stopped before the message was written to it.',
  cancelled: 'You called it off before its machine came back.',
  'hold-expired': 'Its machine did not come back in time, so it was not sent.',
  expired: 'It waited too long on this phone, so it was not sent.',
};

export function failureText(failure: { code: string; detail: string } | null): string {
  if (!failure) return 'Not delivered.';
  const known = (RESUME_FAILURE_TEXT as Record<string, string>)[failure.code as ResumeFailureCode] ?? DELIVERY_TEXT[failure.code];
  // The server's detail names the facts (which id, which machine); the known sentence says what it means.
  if (known && failure.detail && failure.detail !== known) return `${known} (${failure.detail})`;
  return known ?? failure.detail ?? failure.code;
}
