// Messages between the server instances sharing one Postgres database: NOTIFY on one channel, each message tagged
// with its sender (an instance ignores its own) and its topic. Sent inside a transaction, a message goes out when the
// transaction commits and never if it rolls back, in commit order; a message too large for a NOTIFY payload (8 000
// bytes) is stored in `relay` and the NOTIFY names its row.
import type { PostgresDb } from '../db/postgres.ts';

const CHANNEL = 'baton';
/** Below Postgres's 8 000-byte payload limit, with room for the envelope. */
const INLINE_MAX = 7_000;
/** Relay rows every instance had ample time to read. */
const RELAY_KEEP_MS = 5 * 60_000;

export interface Bus {
  publish(topic: string, body: unknown): void;
  subscribe(topic: string, fn: (body: unknown) => void): void;
  /** Drops relay rows old enough that every instance read them. */
  prune(now: number): void;
}

interface Envelope {
  readonly from: string;
  readonly topic: string;
  readonly body?: unknown;
  /** The relay row holding `body`, when it was too large to inline. */
  readonly relay?: number;
}

export function createBus(db: PostgresDb, instanceId: string, now: () => number, log: (line: string) => void): Bus {
  const notify = db.prepare<[string, string]>('SELECT pg_notify(?, ?)');
  const store = db.prepare<[string, number], { id: number }>('INSERT INTO relay (payload, created_at) VALUES (?, ?) RETURNING id');
  const load = db.prepare<[number], { payload: string }>('SELECT payload FROM relay WHERE id = ?');
  const prune = db.prepare<[number]>('DELETE FROM relay WHERE created_at < ?');
  const handlers = new Map<string, ((body: unknown) => void)[]>();

  db.listen(CHANNEL, (payload) => {
    let env: Envelope;
    try {
      env = JSON.parse(payload) as Envelope;
    } catch {
      return log(`cluster: unreadable message ${payload.slice(0, 200)}`);
    }
    if (env.from === instanceId) return;
    const fns = handlers.get(env.topic);
    if (!fns) return;
    let body = env.body;
    try {
      if (env.relay !== undefined) {
        const row = load.get(env.relay);
        if (!row) return log(`cluster: relay row ${env.relay} (${env.topic}) is gone`);
        body = JSON.parse(row.payload);
      }
      for (const fn of fns) fn(body);
    } catch (err) {
      log(`cluster: ${env.topic} from ${env.from} failed: ${(err as Error).stack ?? err}`);
    }
  });

  return {
    publish(topic, body) {
      const inline = JSON.stringify({ from: instanceId, topic, body } satisfies Envelope);
      if (Buffer.byteLength(inline) <= INLINE_MAX) return void notify.get(CHANNEL, inline);
      const { id } = store.get(JSON.stringify(body), now())!;
      notify.get(CHANNEL, JSON.stringify({ from: instanceId, topic, relay: id } satisfies Envelope));
    },
    subscribe(topic, fn) {
      const fns = handlers.get(topic);
      if (fns) fns.push(fn);
      else handlers.set(topic, [fn]);
    },
    prune: (at) => void prune.run(at - RELAY_KEEP_MS),
  };
}
