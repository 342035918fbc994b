import type { Backend, MachineUp, Provider, ResumeFailureCode } from '../core/index.ts';
export interface StoredSession {
    readonly sessionId: string;
    readonly provider: Provider;
    readonly backend: Backend;
    readonly cwd: string;
    readonly title: string;
    /** The vendor's id as captured at start or bound by adopt/resume. */
    readonly vendorId: string | null;
    /** The vendor persisted the session: it can be reopened by `vendorId`. */
    readonly resumable: boolean;
    /** The agent process, while this daemon runs it; null once it exited. */
    readonly pid: number | null;
    /** The `start` request that created it, so a repeated start re-reports instead of starting twice. */
    readonly startRequestId: string | null;
}
export type AttemptResult = {
    readonly ok: true;
    readonly sessionId: string;
    readonly vendorResumeId: string;
} | {
    readonly ok: false;
    readonly sessionId: string;
    readonly code: ResumeFailureCode;
    readonly detail: string;
};
/** An outbound frame waiting to be sent; `seq` orders them and names them for removal. */
export interface QueuedFrame {
    readonly seq: number;
    readonly frame: MachineUp;
}
export interface DaemonStore {
    sessions(): StoredSession[];
    session(id: string): StoredSession | null;
    putSession(s: StoredSession): void;
    patchSession(id: string, patch: Partial<Omit<StoredSession, 'sessionId'>>): StoredSession | null;
    isDelivered(sessionId: string, messageId: string): boolean;
    /** The newest `n` message ids written (or about to be written) to this session's agent, oldest first. */
    recentDelivered(sessionId: string, n: number): string[];
    markDelivered(sessionId: string, messageId: string): void;
    unmarkDelivered(sessionId: string, messageId: string): void;
    attempt(attemptId: string): AttemptResult | null;
    putAttempt(attemptId: string, result: AttemptResult): void;
    enqueue(frame: MachineUp): QueuedFrame;
    outbox(): QueuedFrame[];
    /** Drop every queued frame up to and including `seq` (the server has applied them). */
    dropThrough(seq: number): void;
    /** Drop queued frames that no longer tell the truth (see the daemon's hello); returns how many. */
    dropWhere(stale: (frame: MachineUp) => boolean): number;
}
/** A store kept in one atomically rewritten JSON file; `dir` null keeps it in memory only (tests). */
export declare function openDaemonStore(dir: string | null): DaemonStore;
