// How a Claude turn ended, typed for the phone: from its `result` line and what came before it in the same turn.
import type { TurnFailureCode } from '../../../core/index.ts';

type Json = Record<string, any>;

/** What one turn said before its `result`. */
export interface TurnNotes {
  /** `system/api_retry` lines seen (the CLI was retrying its model call). */
  retries: number;
  /** A `<synthetic>` assistant message the CLI wrote instead of a model answer (`error`: e.g. authentication_failed). */
  synthetic: { readonly error: string; readonly text: string } | null;
  /** Baton asked for an interrupt during this turn. */
  interruptRequested: boolean;
}

export const freshNotes = (): TurnNotes => ({ retries: 0, synthetic: null, interruptRequested: false });

/** The failure of a turn, or null when it answered. Never the CLI's internal `[ede_diagnostic]` lines. */
export function turnFailure(result: Json, notes: TurnNotes): { code: TurnFailureCode; detail: string } | null {
  const failed = result.is_error === true || (typeof result.subtype === 'string' && result.subtype !== 'success');
  if (result.terminal_reason === 'aborted_streaming' || (failed && notes.interruptRequested)) {
    return { code: 'interrupted', detail: 'The turn was interrupted.' };
  }
  if (!failed && notes.synthetic === null) return null;
  const detail = words(result, notes);
  if (notes.synthetic?.error === 'authentication_failed') return { code: 'auth-failed', detail };
  if (notes.retries > 0) return { code: 'vendor-gave-up', detail };
  return { code: 'turn-failed', detail };
}

function words(result: Json, notes: TurnNotes): string {
  const errors = Array.isArray(result.errors) ? result.errors.map(String).filter((e: string) => !e.startsWith('[ede_diagnostic]')) : [];
  const text = typeof result.result === 'string' && result.result.length > 0 ? result.result : notes.synthetic?.text ?? errors.join('; ');
  return (text || 'the turn failed').slice(0, 2000);
}

/** A `system/api_retry` line as the phone's retry notice. */
export function retryNotice(msg: Json): { attempt: number; maxAttempts: number | null; detail: string; retryInMs: number | null } {
  const int = (v: unknown, min: number) => (typeof v === 'number' && Number.isFinite(v) && v >= min ? Math.round(v) : null);
  const status = int(msg.error_status, 0);
  const reason = typeof msg.error === 'string' && msg.error !== 'unknown' ? msg.error : status === null ? 'cannot reach the API' : '';
  return {
    attempt: int(msg.attempt, 1) ?? 1,
    maxAttempts: int(msg.max_retries, 1),
    detail: `${reason}${status !== null ? `${reason ? ' ' : ''}(HTTP ${status})` : ''}`.slice(0, 1000),
    retryInMs: int(msg.retry_delay_ms, 0),
  };
}
