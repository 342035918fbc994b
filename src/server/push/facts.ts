// The database reads the push rules need: sessions, attempts, the last agent text, machines and what waits on them.
import type { Db } from '../db/open-database.ts';
import type { RuleFacts } from './rules.ts';

export interface PushFacts extends RuleFacts {
  machine(id: string): { readonly id: string; readonly accountId: string; readonly name: string; readonly online: boolean; readonly lastSeenAt: number | null } | undefined;
  /** Messages of the machine's sessions still waiting: not yet written, or written and not yet answered. */
  waitingOn(machineId: string): { readonly sessionId: string; readonly title: string; readonly count: number }[];
}

export function createPushFacts(db: Db): PushFacts {
  const s = {
    session: db.prepare<[string], { title: string; machine_id: string }>('SELECT title, machine_id FROM sessions WHERE id = ?'),
    attempt: db.prepare<[string], { state: string; code: string | null }>('SELECT state, code FROM resume_attempts WHERE id = ?'),
    lastAgent: db.prepare<[string], { text: string }>("SELECT text FROM messages WHERE session_id = ? AND role = 'agent' ORDER BY seq DESC LIMIT 1"),
    machine: db.prepare<[string], { id: string; account_id: string; name: string; online: number; last_seen_at: number | null }>('SELECT id, account_id, name, online, last_seen_at FROM machines WHERE id = ?'),
    waiting: db.prepare<[string], { session_id: string; title: string; n: number }>(`SELECT m.session_id, s.title, COUNT(*) AS n FROM messages m
      JOIN sessions s ON s.id = m.session_id
      WHERE s.machine_id = ? AND (m.state IN ('held', 'accepted', 'awaiting-resume') OR (m.state = 'delivered' AND m.turn_lost = 0))
      GROUP BY m.session_id, s.title ORDER BY MAX(m.seq) DESC`),
  };
  return {
    session(id) {
      const r = s.session.get(id);
      return r ? { title: r.title, machineId: r.machine_id } : undefined;
    },
    attempt: (id) => s.attempt.get(id),
    lastAgentText: (sessionId) => s.lastAgent.get(sessionId)?.text ?? null,
    machine(id) {
      const r = s.machine.get(id);
      return r ? { id: r.id, accountId: r.account_id, name: r.name, online: r.online === 1, lastSeenAt: r.last_seen_at } : undefined;
    },
    waitingOn: (machineId) => s.waiting.all(machineId).map((r) => ({ sessionId: r.session_id, title: r.title, count: r.n })),
  };
}
