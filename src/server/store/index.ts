// All stores over one database, built once per server.
import type { Db } from '../db/open-database.ts';
import { createAccountStore } from './accounts.ts';
import { createAgentEntryStore } from './agent-entries.ts';
import { createCursorStore } from './cursor.ts';
import { createHoldStore } from './holds.ts';
import { createMachineStore } from './machines.ts';
import { createMessageStore } from './messages.ts';
import { createAttemptStore } from './resume-attempts.ts';
import { createSessionStore } from './sessions.ts';
import { createSettingsStore } from './settings.ts';
import { createShareStore } from './shares.ts';

export function createStores(db: Db) {
  const messages = createMessageStore(db);
  return {
    accounts: createAccountStore(db),
    cursor: createCursorStore(db),
    machines: createMachineStore(db),
    sessions: createSessionStore(db),
    messages,
    entries: createAgentEntryStore(db, messages),
    holds: createHoldStore(db),
    attempts: createAttemptStore(db),
    settings: createSettingsStore(db),
    shares: createShareStore(db),
  };
}
export type Stores = ReturnType<typeof createStores>;
