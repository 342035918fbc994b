// The sentence for why a message was not delivered: a resume failure, a delivery failure, or a block reason.
import { MESSAGE_FAILURE_TEXT } from '../../core/failure-text.ts';

/** Reasons only the phone gives (its own outbox ran out of time). */
const PHONE_TEXT: Record<string, string> = {
  expired: 'It waited too long on this phone, so it was not sent.',
};

export function failureText(failure: { code: string; detail: string } | null): string {
  if (!failure) return 'Not delivered.';
  const known = (MESSAGE_FAILURE_TEXT as Record<string, string | undefined>)[failure.code] ?? PHONE_TEXT[failure.code];
  const detail = failure.detail?.trim() ?? '';
  // The server's detail names the facts (which id, which machine); the known sentence says what it means. Said once:
  // a detail that already carries the sentence (a refusal's own words) is shown as it is, one the sentence already
  // says ("The turn was interrupted." beside "The turn was interrupted before …") is left out.
  const bare = (t: string) => t.toLowerCase().replace(/[.!\s]+$/, '');
  if (known && detail && bare(detail).includes(bare(known))) return detail;
  if (known && detail && !bare(known).includes(bare(detail))) return `${known} (${detail})`;
  return known ?? (detail || failure.code);
}
