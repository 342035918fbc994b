// Messages the server holds for an offline machine: the rows live in `messages` (state 'held'); these are the queries on them.
import type { Db } from '../db/open-database.ts';
import type { MessageRow } from './messages.ts';

export function createHoldStore(db: Db) {
  const s = {
    setUntil: db.prepare('UPDATE messages SET held_until = ? WHERE id = ?'),
    ofMachine: db.prepare<[string], MessageRow>(`SELECT m.* FROM messages m JOIN sessions s ON s.id = m.session_id
      WHERE m.state = 'held' AND s.machine_id = ? ORDER BY m.session_id, m.seq`),
    ofAccount: db.prepare<[string], MessageRow>(`SELECT m.* FROM messages m JOIN sessions s ON s.id = m.session_id
      WHERE m.state = 'held' AND s.account_id = ? ORDER BY m.session_id, m.seq`),
    all: db.prepare<[], MessageRow>("SELECT * FROM messages WHERE state = 'held'"),
  };
  return {
    setUntil(id: string, until: number): void {
      s.setUntil.run(until, id);
    },
    /** Held messages of the machine's sessions, each session's in seq order (the order they were sent). */
    ofMachine: (machineId: string): MessageRow[] => s.ofMachine.all(machineId),
    ofAccount: (accountId: string): MessageRow[] => s.ofAccount.all(accountId),
    all: (): MessageRow[] => s.all.all(),
  };
}
export type HoldStore = ReturnType<typeof createHoldStore>;
