// What the hello tells the server of each session: every session not forgotten, with its resume id once the
// vendor persisted it, whether it runs, and — for sessions a previous daemon left interrupted — what was
// written to their agents (the acks may have died with it).
import { REPORTED_DELIVERED_MAX, type SessionId, type SessionReport } from '../../core/index.ts';
import type { Supervision } from './context.ts';

export function sessionReports(sup: Supervision, interrupted: ReadonlySet<SessionId>): SessionReport[] {
  const out = sup.store.sessions().map((s): SessionReport => {
    const report: SessionReport = { sessionId: s.sessionId, vendorResumeId: s.resumable ? s.vendorId : null, running: sup.agents.has(s.sessionId) };
    // Only interrupted sessions: the rest keep the hello small.
    if (!interrupted.has(s.sessionId)) return report;
    const delivered = sup.store.recentDelivered(s.sessionId, REPORTED_DELIVERED_MAX);
    return delivered.length > 0 ? { ...report, delivered } : report;
  });
  // What the server acts on first (running, interrupted) leads, so it is on the hello's first page.
  const weight = (r: SessionReport) => (r.running ? 0 : r.delivered ? 1 : 2);
  return out.sort((a, b) => weight(a) - weight(b));
}
