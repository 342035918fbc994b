// The strict resume of one session: an attempt begins, then settles once (resumed, or failed with its code), and
// what that does to the messages waiting for it.
import { RESUME_FAILURE_TEXT, type ResumeFailureCode } from '../resume-attempt.ts';
import type { AttemptSnap } from './snapshot.ts';
import { queueDeliveries } from './deliveries.ts';
import { addAttempt, command, log, moveAttempt, moveMessage, patch, pending, timer, type Draft } from './draft.ts';

const deadline = (d: Draft, a: AttemptSnap) => ({ kind: 'resume-deadline', sessionId: d.session.id, attemptId: a.id }) as const;

/** Records a pending attempt and asks the machine to reopen the session; null when there is no id to reopen. */
export function beginResume(d: Draft): AttemptSnap | null {
  const s = d.session;
  if (s.vendorResumeId === null) return null; // availability says missing-resume-id first; never reached
  const a: AttemptSnap = { id: d.world.ids.attempt, machineId: s.machineId, state: 'pending', code: null, detail: null, startedAt: d.world.now, endedAt: null };
  addAttempt(d, a);
  command(d, { type: 'resume', attemptId: a.id, sessionId: s.id, vendorResumeId: s.vendorResumeId, backend: s.backend, cwd: s.cwd });
  // The deadline counts from when the attempt started, also across a server restart.
  timer(d, deadline(d, a), a.startedAt + d.world.resumeTimeoutMs);
  return a;
}

/** The attempt fails with `code`; the messages waiting for it fail with the same code and the words for it. */
export function failAttempt(d: Draft, a: AttemptSnap, code: ResumeFailureCode, detail: string): void {
  if (!moveAttempt(d, a.id, { type: 'failed', code }, detail)) return;
  timer(d, deadline(d, a), null);
  const words = `${RESUME_FAILURE_TEXT[code]}${detail ? ` (${detail})` : ''}`;
  for (const m of awaiting(d, a)) moveMessage(d, m.id, { type: 'fail', code }, words);
  log(d, `resume ${a.id} of ${d.session.id} failed: ${code} ${detail}`);
}

/** The same vendor session is open again: the session is live and its messages go out in order. */
export function succeedAttempt(d: Draft, a: AttemptSnap): void {
  const moved = moveAttempt(d, a.id, { type: 'resumed' }, null);
  if (!moved) return; // a repeated result: already applied
  timer(d, deadline(d, a), null);
  patch(d, { status: 'active' });
  // A late success delivers nothing that had failed; only messages still accepted (none, normally) go out.
  if (moved.state === 'resumed') for (const m of awaiting(d, a)) moveMessage(d, m.id, { type: 'resume-succeeded' });
  queueDeliveries(d);
}

/**
 * The user stopped or archived the session while it was being reopened: the attempt fails with `stopped` and the
 * machine is told to stop whatever the resume brings up (it handles one session's frames in order, so this stop
 * lands after the resume). Returns whether an attempt was pending.
 */
export function cancelResume(d: Draft, detail: string): boolean {
  const a = pending(d);
  if (!a) return false;
  failAttempt(d, a, 'stopped', detail);
  command(d, { type: 'stop', sessionId: d.session.id });
  return true;
}

const awaiting = (d: Draft, a: AttemptSnap) => [...d.messages.values()].filter((m) => m.state === 'awaiting-resume' && m.attemptId === a.id);
