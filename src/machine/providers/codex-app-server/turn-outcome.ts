// How a Codex turn ended, typed for the phone, and what its retrying looks like (Codex 0.171 app-server shapes).
import type { TurnFailureCode } from '../../../core/index.ts';

type Json = Record<string, any>;

/** `turn.status` of `turn/completed`: interrupted and failed turns did not answer. */
export function codexTurnFailure(turn: Json, retries: number): { code: TurnFailureCode; detail: string } | null {
  if (turn.status === 'interrupted') return { code: 'interrupted', detail: 'The turn was interrupted.' };
  if (turn.status !== 'failed') return null;
  const error: Json = turn.error ?? {};
  const detail = String(error.message || 'the turn failed').slice(0, 2000);
  if (isAuthFailure(error.codexErrorInfo)) return { code: 'auth-failed', detail };
  return { code: retries > 0 ? 'vendor-gave-up' : 'turn-failed', detail };
}

/** `unauthorized`, or an HTTP 401/403 inside a connection-failure variant. */
function isAuthFailure(info: unknown): boolean {
  if (info === 'unauthorized') return true;
  if (typeof info !== 'object' || info === null) return false;
  return Object.values(info as Json).some((v) => v && typeof v === 'object' && (v.httpStatusCode === 401 || v.httpStatusCode === 403));
}

/**
 * An `error` with `willRetry: true` as the phone's retry notice. Codex says "Reconnecting... 2/5" while it counts,
 * then "Reconnecting... waiting for network" with no count (offline it never stops): then the attempt is the one after
 * the previous notice's, and there is no limit to show.
 */
export function codexRetry(error: Json, previousAttempt: number): { attempt: number; maxAttempts: number | null; detail: string; retryInMs: null } {
  const message = String(error.message ?? '');
  const counted = /(\d+)\s*\/\s*(\d+)/.exec(message);
  const what = message.replace(/^Reconnecting\.\.\.\s*/i, '').replace(/^\d+\s*\/\s*\d+$/, '').trim();
  const why = typeof error.additionalDetails === 'string' ? error.additionalDetails : '';
  const detail = [what, why].filter(Boolean).join(': ') || 'reconnecting';
  return {
    attempt: counted ? Math.max(1, Number(counted[1])) : previousAttempt + 1,
    maxAttempts: counted ? Math.max(1, Number(counted[2])) : null,
    detail: detail.slice(0, 1000),
    retryInMs: null,
  };
}
