// One strict-resume attempt as data: it either reopens the same vendor session or fails with a code.
import { assertNever } from './availability.ts';
import type { Transition } from './delivery.ts';

export const ResumeState = {
  /** Asked of the owning daemon; no answer yet. */
  pending: 'pending',
  /** The daemon reopened the same vendor session (id verified by the vendor itself). */
  resumed: 'resumed',
  /** Did not reopen it; `code` says why. The session stayed inactive. */
  failed: 'failed',
  /** Succeeded after we had given up (timeout): the session is live, its queued messages stay failed. */
  resumedLate: 'resumed-late',
} as const;
export type ResumeState = (typeof ResumeState)[keyof typeof ResumeState];

/** Typed failures a daemon (or the server, for timeouts and disconnects) reports for a resume. */
export const RESUME_FAILURE_CODES = [
  'vendor-not-found',
  'vendor-id-mismatch',
  'vendor-error',
  'dependency-missing',
  'timeout',
  'machine-disconnected',
  /** The user stopped or archived the session while it was being reopened (set by the server, never by a daemon). */
  'stopped',
  /** The vendor session is open in another process on its machine (a terminal, say): reopening it would fork it. */
  'session-in-use',
  /**
   * The working directory is missing, relative, not a directory or not a valid path on the machine (daemon,
   * checked before anything is spawned). For a resume the vendor session may still exist: it is not reopened
   * elsewhere, because the agent would then act on another folder.
   */
  'cwd-invalid',
  /**
   * The working directory is outside the folders the machine allows agents in (its `baton daemon --allow-root`
   * list; by default the user's home without its dot-directories). The daemon refuses it itself, whatever the
   * server asks: nothing is started, reopened or taken over there.
   */
  'cwd-not-allowed',
] as const;
export type ResumeFailureCode = (typeof RESUME_FAILURE_CODES)[number];

export const RESUME_FAILURE_TEXT: Readonly<Record<ResumeFailureCode, string>> = {
  'vendor-not-found': 'The agent no longer has this session (its transcript or rollout is gone), so it could not be reopened.',
  'vendor-id-mismatch': 'The agent came back with a different session id, which would be a new conversation; Baton stopped it.',
  'vendor-error': 'The agent failed while reopening the session.',
  'dependency-missing': 'The machine lacks what this backend needs to reopen the session.',
  timeout: 'The agent did not reopen the session in time.',
  'machine-disconnected': 'The owning machine disconnected while reopening the session.',
  stopped: 'The session was stopped or archived while it was being reopened.',
  'session-in-use': 'The session is open in another program on its machine; reopening it here too would fork it.',
  'cwd-invalid': 'The session’s working directory is missing or not a usable folder on its machine, so no agent was started.',
  'cwd-not-allowed': 'The session’s folder is outside the folders its machine lets agents work in, so no agent was started (on that machine: `baton daemon --allow-root <folder>`).',
};

export type ResumeEvent =
  | { readonly type: 'resumed' }
  | { readonly type: 'failed'; readonly code: ResumeFailureCode };

export interface ResumeStatus {
  readonly state: ResumeState;
  readonly code: ResumeFailureCode | null;
}

/**
 * The moves of an attempt, as data. A pending attempt settles once. The server gives up on its own (timeout,
 * disconnect) while the vendor may still come back: that late success is recorded, never a late failure or a
 * success after a vendor's own refusal. The vendor may reveal only at its first turn that it opened another
 * session (Claude's `system/init`): then the resume did not happen after all — nothing else undoes a resume.
 */
export const RESUME_TRANSITIONS: Readonly<Record<ResumeState, {
  /** Where `resumed` leads, and after which failure codes (for a failed attempt); null: refused. */
  readonly resumed: { readonly to: ResumeState; readonly after?: readonly ResumeFailureCode[] } | null;
  /** The failure codes a `failed` may carry from here ('any', or none). */
  readonly failedBy: 'any' | readonly ResumeFailureCode[];
}>> = {
  pending: { resumed: { to: 'resumed' }, failedBy: 'any' },
  resumed: { resumed: null, failedBy: ['vendor-id-mismatch'] },
  'resumed-late': { resumed: null, failedBy: ['vendor-id-mismatch'] },
  failed: { resumed: { to: 'resumed-late', after: ['timeout', 'machine-disconnected'] }, failedBy: [] },
};

export function resumeTransition(current: ResumeStatus, event: ResumeEvent): Transition<ResumeStatus> {
  const to = next(current, event);
  return to === null
    ? { ok: false, error: `a resume attempt that is ${current.state} cannot take "${event.type}"` }
    : { ok: true, state: to };
}

function next(current: ResumeStatus, event: ResumeEvent): ResumeStatus | null {
  const row = RESUME_TRANSITIONS[current.state];
  switch (event.type) {
    case 'resumed': {
      const r = row.resumed;
      if (!r || (r.after && (current.code === null || !r.after.includes(current.code)))) return null;
      // A late success keeps the code of the failure the user was told about.
      return { state: r.to, code: r.to === 'resumed-late' ? current.code : null };
    }
    case 'failed':
      return row.failedBy === 'any' || row.failedBy.includes(event.code) ? { state: 'failed', code: event.code } : null;
    default:
      return assertNever(event);
  }
}
