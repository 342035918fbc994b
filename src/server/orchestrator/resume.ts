// Strict resume on the server: attempt records, the resume command, its deadline, and what a result does.
import { RESUME_FAILURE_TEXT, type MachineUp, type ResumeFailureCode } from '../../core/index.ts';
import { permissionModeField } from '../../core/index.ts';
import type { ServerContext, Tx } from '../context.ts';
import type { AttemptRow } from '../store/resume-attempts.ts';
import type { SessionRow } from '../store/sessions.ts';
import { newId } from '../tokens.ts';
import { queueDeliveries } from './deliveries.ts';
import { moveAttempt, moveMessage, touchSession } from './transitions.ts';

type ResumeResult = Extract<MachineUp, { type: 'resume-result' }>;

export interface ResumeService {
  /** Records a pending attempt and asks the owning daemon to reopen the session (sent after commit). */
  begin(tx: Tx, session: SessionRow): AttemptRow;
  onResult(machineId: string, result: ResumeResult): void;
  /** The machine's socket closed: every attempt it was working on fails with `machine-disconnected`. */
  failPendingOfMachine(tx: Tx, machineId: string): void;
  /** After a (re)connect: the same attempt ids again; the daemon re-reports instead of resuming twice. */
  resendPending(tx: Tx, machineId: string): void;
  /**
   * The user stopped or archived the session: its pending attempt fails with `stopped` (its messages too)
   * and the daemon is told to stop whatever the resume brings up. Returns whether an attempt was pending.
   */
  cancelPending(tx: Tx, session: SessionRow, detail: string): boolean;
  /** Re-arms deadlines of attempts left pending by a previous server process. */
  restore(): void;
  stop(): void;
}

export function createResumeService(ctx: ServerContext): ResumeService {
  const timers = new Map<string, NodeJS.Timeout>();
  const { stores } = ctx;

  function resumeCommand(tx: Tx, attempt: AttemptRow): void {
    const session = stores.sessions.byId(attempt.session_id)!;
    tx.toMachine(attempt.machine_id, {
      type: 'resume',
      attemptId: attempt.id as never,
      sessionId: session.id as never,
      vendorResumeId: session.vendor_resume_id as never,
      backend: session.backend,
      cwd: session.cwd,
      ...permissionModeField(session.permission_mode),
    });
  }

  function arm(attempt: AttemptRow): void {
    // The deadline counts from when the attempt started, also across a server restart.
    const delay = Math.max(0, attempt.started_at + ctx.resumeTimeoutMs - ctx.now());
    clearTimeout(timers.get(attempt.id));
    const timer = setTimeout(() => {
      timers.delete(attempt.id);
      ctx.change((tx) => {
        const current = stores.attempts.get(attempt.id);
        if (current?.state === 'pending') fail(tx, current, 'timeout', `no answer from the machine within ${Math.round(ctx.resumeTimeoutMs / 1000)} s`);
      });
    }, delay);
    timer.unref();
    timers.set(attempt.id, timer);
  }

  function fail(tx: Tx, attempt: AttemptRow, code: ResumeFailureCode, detail: string): void {
    const session = stores.sessions.byId(attempt.session_id)!;
    const moved = moveAttempt(ctx, tx, session.account_id, attempt, { type: 'failed', code }, detail);
    if (!moved) return;
    clearTimeout(timers.get(attempt.id));
    timers.delete(attempt.id);
    const words = `${RESUME_FAILURE_TEXT[code]}${detail ? ` (${detail})` : ''}`;
    for (const m of stores.messages.awaitingAttempt(attempt.id)) moveMessage(ctx, tx, session.account_id, m, { type: 'fail', code }, words);
    ctx.log(`resume ${attempt.id} of ${session.id} failed: ${code} ${detail}`);
  }

  function succeed(tx: Tx, attempt: AttemptRow, session: SessionRow): void {
    const moved = moveAttempt(ctx, tx, session.account_id, attempt, { type: 'resumed' }, null);
    if (!moved) return; // a repeated result: already applied
    clearTimeout(timers.get(attempt.id));
    timers.delete(attempt.id);
    touchSession(ctx, tx, session.account_id, session.id, { status: 'active' });
    if (moved.state === 'resumed') {
      for (const m of stores.messages.awaitingAttempt(attempt.id)) moveMessage(ctx, tx, session.account_id, m, { type: 'resume-succeeded' });
    }
    // A late success delivers nothing that had failed; only messages still accepted (none, normally) go out.
    queueDeliveries(ctx, tx, session.id);
  }

  return {
    begin(tx, session) {
      const attempt = stores.attempts.insert(newId('att'), session.id, session.machine_id, ctx.now());
      touchSession(ctx, tx, session.account_id, session.id);
      resumeCommand(tx, attempt);
      tx.afterCommit(() => arm(attempt));
      return attempt;
    },
    onResult(machineId, result) {
      ctx.change((tx) => {
        const attempt = stores.attempts.get(result.attemptId);
        if (!attempt || attempt.machine_id !== machineId || attempt.session_id !== result.sessionId) {
          ctx.log(`ignored resume-result for unknown attempt ${result.attemptId} from ${machineId}`);
          return;
        }
        const session = stores.sessions.byId(attempt.session_id)!;
        if (!result.ok) return fail(tx, attempt, result.code, result.detail);
        if (session.archived === 1 || (attempt.state === 'failed' && attempt.code === 'stopped')) {
          // Invariant 5 and the user's stop: whatever came up is stopped, and the session stays as the user left it.
          tx.toMachine(machineId, { type: 'stop', sessionId: session.id as never });
          if (attempt.state === 'pending') fail(tx, attempt, 'stopped', session.archived === 1 ? 'the session is archived' : 'the session was stopped');
          return;
        }
        if (result.vendorResumeId !== session.vendor_resume_id) {
          // Our own check, whatever the daemon believes: another id is another conversation. Stop it.
          tx.toMachine(machineId, { type: 'stop', sessionId: session.id as never });
          if (attempt.state === 'pending') fail(tx, attempt, 'vendor-id-mismatch', `expected ${session.vendor_resume_id}, got ${result.vendorResumeId}`);
          return;
        }
        succeed(tx, attempt, session);
      });
    },
    cancelPending(tx, session, detail) {
      const attempt = stores.attempts.pendingOfSession(session.id);
      if (!attempt) return false;
      fail(tx, attempt, 'stopped', detail);
      // The daemon handles frames of one session in order: this stop lands after the resume it is working on.
      tx.toMachine(attempt.machine_id, { type: 'stop', sessionId: session.id as never });
      return true;
    },
    failPendingOfMachine(tx, machineId) {
      for (const a of stores.attempts.pendingOfMachine(machineId)) fail(tx, a, 'machine-disconnected', 'the machine’s connection closed');
    },
    resendPending(tx, machineId) {
      for (const a of stores.attempts.pendingOfMachine(machineId)) resumeCommand(tx, a);
    },
    restore() {
      for (const a of stores.attempts.allPending()) arm(a);
    },
    stop() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}
