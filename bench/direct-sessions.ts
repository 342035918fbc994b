// Direct sessions at scale: a machine that already has 2,000 managed sessions lists 5,000 new direct
// ones in one frame; how long the server takes to apply it (matched by vendor id on an index, not by a
// scan of the machine), then the same list again (nothing new), then one with 500 gone (removed).
// Timed on the real socket: the server answers a ping only after it applied the frames before it.
import { BenchMachine, createSessions, http, now } from './lib/clients.ts';
import { atMost, holds, info, runBench, type Figure } from './lib/report.ts';
import { startServerProcess } from './lib/server-process.ts';

const MANAGED = 2_000;
const DIRECT = 5_000;
const GONE = 500;

/** Sends one frame and a ping after it; resolves with the time until the pong (the frame was applied by then). */
function applied(machine: BenchMachine, frame: Record<string, unknown>): Promise<number> {
  const ws = machine.ws!;
  return new Promise((resolve) => {
    const t0 = now();
    ws.once('pong', () => resolve(now() - t0));
    machine.send(frame);
    ws.ping('1');
  });
}

export async function directSessions() {
  const srv = await startServerProcess();
  let machine: BenchMachine | null = null;
  try {
    const { token } = (await srv.phoneTokens(1))[0]!;
    const api = http(srv.url, token);
    const m = await srv.machineToken('laptop');
    machine = new BenchMachine(srv.url, m.token);
    await machine.connect();
    await createSessions(api, machine, MANAGED, 16);

    const listing = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({
      provider: 'claude', backend: 'claude-stream', vendorResumeId: `direct-${from + i}`, cwd: `/home/dev/p-${(from + i) % 40}`, title: `direct ${from + i}`, updatedAt: 1_700_000_000_000 + from + i,
    }));
    const first = await applied(machine, { type: 'direct-sessions', sessions: listing(DIRECT), complete: ['claude-stream'] });
    const again = await applied(machine, { type: 'direct-sessions', sessions: listing(DIRECT), complete: ['claude-stream'] });
    // Sync is paged: a client walks every page (the same `since`, `after` the page before's `next`).
    const walk = async (since: number) => {
      const first = (await api.route('sync', { query: { since } })).body;
      let page = first;
      const sessions = [...first.sessions];
      while (page.next !== null) {
        page = (await api.route('sync', { query: { since, after: page.next } })).body;
        sessions.push(...page.sessions);
      }
      return { sessions, cursor: page.cursor, removedSessionIds: first.removedSessionIds };
    };
    const { cursor } = await walk(0);
    const removal = await applied(machine, { type: 'direct-sessions', sessions: listing(DIRECT - GONE, GONE), complete: ['claude-stream'] });
    const sync = { body: await walk(cursor) };
    const directNow = (await walk(0)).sessions.filter((s) => !s.managed).length;

    const figures: Figure[] = [
      atMost('apply-new', `${DIRECT} new direct sessions applied (machine with ${MANAGED} managed)`, first, 'ms', 1_000, '≤ 1 s (issue 10: well under a second)',
        'one direct-sessions frame to the pong of the ping after it, over loopback to the server child'),
      info('apply-same', 'the same list again (nothing new)', again, 'ms'),
      info('apply-removal', `a list with ${GONE} of them gone`, removal, 'ms'),
      holds('removed', `${GONE} removed, named in removedSessionIds`, sync.body.removedSessionIds.length === GONE && directNow === DIRECT - GONE,
        sync.body.removedSessionIds.length, 'ids', 'vanished direct sessions leave the list', `${directNow} direct sessions listed after`),
    ];
    return { title: `Direct sessions (${DIRECT} in one listing)`, figures };
  } finally {
    machine?.close();
    await srv.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench('direct-sessions', directSessions);
