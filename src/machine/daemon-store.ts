// The daemon's durable memory under $BATON_HOME/daemon/: managed sessions, delivered message ids,
// settled resume attempts and frames not yet sent. A restart or reboot reads it back, so no message is
// written to an agent twice and no attempt is resumed twice.
import { join } from 'node:path';
import type { Backend, MachineUp, Provider, ResumeFailureCode } from '../core/index.ts';
import { readJsonFile, writeJsonFileAtomic } from './json-file.ts';

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

export type AttemptResult =
  | { readonly ok: true; readonly sessionId: string; readonly vendorResumeId: string }
  | { readonly ok: false; readonly sessionId: string; readonly code: ResumeFailureCode; readonly detail: string };

/** An outbound frame waiting to be sent; `seq` orders them and names them for removal. */
export interface QueuedFrame {
  readonly seq: number;
  readonly frame: MachineUp;
}

interface StoreData {
  version: 1;
  sessions: Record<string, StoredSession>;
  /**
   * Message ids per session that were (or were about to be) written to the agent. The id is recorded
   * before the write: a crash in between means at-most-once, never a second copy to the agent.
   */
  delivered: Record<string, string[]>;
  attempts: Record<string, AttemptResult>;
  outbox: QueuedFrame[];
  nextSeq: number;
}

const EMPTY: StoreData = { version: 1, sessions: {}, delivered: {}, attempts: {}, outbox: [], nextSeq: 1 };
/** Settled attempts kept for re-reports; older ones are long resolved on the server. */
const MAX_ATTEMPTS = 2_000;
const MAX_DELIVERED_PER_SESSION = 10_000;

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
export function openDaemonStore(dir: string | null): DaemonStore {
  const path = dir === null ? null : join(dir, 'state.json');
  const loaded = path ? readJsonFile<StoreData>(path) : null;
  const data: StoreData = loaded && loaded.version === 1 ? loaded : structuredClone(EMPTY);
  const save = () => {
    if (path) writeJsonFileAtomic(path, data);
  };

  return {
    sessions: () => Object.values(data.sessions),
    session: (id) => data.sessions[id] ?? null,
    putSession(s) {
      data.sessions[s.sessionId] = s;
      save();
    },
    patchSession(id, patch) {
      const cur = data.sessions[id];
      if (!cur) return null;
      const next = { ...cur, ...patch };
      data.sessions[id] = next;
      save();
      return next;
    },
    isDelivered: (sessionId, messageId) => data.delivered[sessionId]?.includes(messageId) ?? false,
    recentDelivered: (sessionId, n) => (data.delivered[sessionId] ?? []).slice(-n),
    markDelivered(sessionId, messageId) {
      const list = (data.delivered[sessionId] ??= []);
      if (list.includes(messageId)) return;
      list.push(messageId);
      if (list.length > MAX_DELIVERED_PER_SESSION) list.splice(0, list.length - MAX_DELIVERED_PER_SESSION);
      save();
    },
    unmarkDelivered(sessionId, messageId) {
      const list = data.delivered[sessionId];
      if (!list) return;
      const i = list.indexOf(messageId);
      if (i >= 0) {
        list.splice(i, 1);
        save();
      }
    },
    attempt: (id) => data.attempts[id] ?? null,
    putAttempt(id, result) {
      data.attempts[id] = result;
      const ids = Object.keys(data.attempts);
      for (const old of ids.slice(0, Math.max(0, ids.length - MAX_ATTEMPTS))) delete data.attempts[old];
      save();
    },
    enqueue(frame) {
      const q = { seq: data.nextSeq++, frame };
      data.outbox.push(q);
      save();
      return q;
    },
    outbox: () => [...data.outbox],
    dropThrough(seq) {
      const before = data.outbox.length;
      data.outbox = data.outbox.filter((q) => q.seq > seq);
      if (data.outbox.length !== before) save();
    },
    dropWhere(stale) {
      const before = data.outbox.length;
      data.outbox = data.outbox.filter((q) => !stale(q.frame));
      if (data.outbox.length !== before) save();
      return before - data.outbox.length;
    },
  };
}
