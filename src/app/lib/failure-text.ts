// The sentence for why a message was not delivered: a resume failure, a delivery failure, or a block reason.
import { MESSAGE_FAILURE_TEXT } from '../../core/failure-text.ts';

/** Reasons only the phone gives (its own outbox ran out of time). */
const PHONE_TEXT: Record<string, string> = {
  expired: 'It waited too long on this phone, so it was not sent.',
};

export function failureText(failure: { code: string; detail: string } | null): string {
  if (!failure) return 'Not delivered.';
  const known = (MESSAGE_FAILURE_TEXT as Record<string, string | undefined>)[failure.code] ?? PHONE_TEXT[failure.code];
  // The server's detail names the facts (which id, which machine); the known sentence says what it means.
  if (known && failure.detail && failure.detail !== known) return `${known} (${failure.detail})`;
  return known ?? failure.detail ?? failure.code;
}
