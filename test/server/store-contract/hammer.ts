// One of the processes racing another on the same database (store-contract.test.ts): it opens the home's database as
// a server does, says "ready", waits for "go" on stdin, then runs the server's own code paths as fast as it can —
// `sendMessage` (POST /api/sessions/:id/messages) or `editSession` (PATCH) — and prints, as one JSON line, what each
// call answered and the account cursor each committed transaction published to phones.
// Usage: run-ts hammer.ts <home> <accountId> <sessionId> send <clientId,…> | rename <count> <tag>
import { createInterface } from 'node:readline';
import { asClientId } from '../../../src/core/index.ts';
import { createContext } from '../../../src/server/context.ts';
import { createSessionService } from '../../../src/server/orchestrator/sessions.ts';
import { createStores } from '../../../src/server/store/index.ts';
import { openTestDatabase } from '../../helpers/test-database.ts';

export interface HammerCall {
  readonly status: number;
  readonly clientId?: string;
  readonly messageId?: string;
  readonly seq?: number;
  /** The cursor this call's transaction published (none when it changed nothing). */
  readonly cursor: number | null;
  readonly error?: string;
}

const [home, accountId, sessionId, mode, arg, tag] = process.argv.slice(2) as [string, string, string, string, string, string?];

const db = openTestDatabase(home);
const stores = createStores(db);
const ctx = createContext({
  db, stores, now: Date.now, log: () => {}, resumeTimeoutMs: 60_000, heartbeatTimeoutMs: 6_000, publicUrl: () => 'http://127.0.0.1:1',
});
const sessions = createSessionService(ctx, { holdMs: 60 * 60_000 });
let published: number | null = null;
ctx.observeCommits((changes) => void (published = changes.cursors.get(accountId) ?? null));

const lines = createInterface({ input: process.stdin });
console.log('ready');
await new Promise<void>((resolve) => lines.once('line', () => resolve()));

const calls: HammerCall[] = [];
// Between calls the process lets go for a moment, as a server between requests does: on SQLite a writer that never
// paused would take the lock again before the other's busy wait woke, and the two would run one after the other.
const pause = () => new Promise((r) => setTimeout(r, 1));
async function call(fn: () => Omit<HammerCall, 'cursor'>): Promise<void> {
  await pause();
  published = null;
  try {
    const out = fn();
    calls.push({ ...out, cursor: published });
  } catch (e) {
    calls.push({ status: 0, cursor: published, error: `${(e as Error).name}: ${(e as Error).message}` });
  }
}
if (mode === 'send') {
  for (const clientId of arg.split(',')) {
    await call(() => {
      const { status, message } = sessions.sendMessage(accountId, sessionId, { clientId: asClientId(clientId), text: `message ${clientId}` });
      return { status, clientId, messageId: message.id, seq: message.seq };
    });
  }
} else if (mode === 'rename') {
  for (let i = 0; i < Number(arg); i++) {
    await call(() => {
      sessions.editSession(accountId, sessionId, { title: `${tag} ${i}` });
      return { status: 200 };
    });
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}
sessions.stop();
db.close();
lines.close();
process.stdout.write(`${JSON.stringify(calls)}\n`);
process.exit(0);
