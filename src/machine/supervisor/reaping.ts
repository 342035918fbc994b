// Agents of a previous daemon (killed without stopping them) are not ours to talk to any more: stop any still
// running, so a resume does not meet them, and treat those sessions as inactive (resumable if persisted). Their
// sessions were interrupted: hello tells the server what was written to them (acks may have been lost).
import { BACKEND_INFO, type SessionId } from '../../core/index.ts';
import type { Supervision } from './context.ts';

/** The sessions a previous daemon left interrupted (their agents are reaped in the background, each in its session's turn). */
export function reapOrphans(sup: Supervision, serial: (sessionId: SessionId, op: () => Promise<void>) => Promise<void>): Set<SessionId> {
  const interrupted = new Set<SessionId>();
  for (const s of sup.store.sessions()) {
    if (s.pid === null) continue;
    const pid = s.pid;
    interrupted.add(s.sessionId);
    sup.store.patchSession(s.sessionId, { pid: null });
    void serial(s.sessionId, async () => {
      if (await sup.processes.reapOrphan(pid, s.vendorId, BACKEND_INFO[s.backend].command)) {
        sup.log.warn(`stopped agent ${pid} left running by an earlier daemon (session ${s.sessionId})`);
      }
    });
  }
  return interrupted;
}
