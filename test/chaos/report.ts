// The soak's outcome: the settled state per step (what the trace digests), and the final table, which holds only
// counts that follow from the seed.
import { bump, rowOf, type SoakContext, type Violation } from './context.ts';

export interface SoakReport {
  readonly seed: number;
  readonly ops: number;
  readonly opsByKind: Record<string, number>;
  readonly faults: Record<string, number>;
  readonly messages: {
    sent: number; refused: Record<string, number>; delivered: number; answered: number;
    /** Delivered, then the agent went away before its turn ended (a crash or kill mid-turn). */
    turnLost: number;
    failed: Record<string, number>; undecided: number;
  };
  /** Strict resumes the server recorded: reopened, or failed by code (a late success counts as failed: that is what the user was told). */
  readonly resumes: { attempts: number; resumed: number; failed: Record<string, number> };
  readonly permissions: Record<string, number>;
  readonly sessions: number;
  /** Starts the server refused (409), by reason. */
  readonly startsRefused: Record<string, number>;
  /** A digest of every step's op, target and settled state: equal digests mean the same run, step by step. */
  readonly trace: string;
  readonly violations: Violation[];
  readonly elapsedMs: number;
  /** Server instances (more than one: on Postgres, behind the balancer), and the database. */
  readonly instances: number;
  readonly database: 'sqlite' | 'postgres';
  /** Kills checked to have landed in the window they aim at, by op. */
  readonly windows: Record<string, number>;
  /** With several instances: where the machines' sockets were when each op began (timing, not seed: not in the table). */
  readonly placements?: Record<string, number>;
}

/**
 * The settled state in ledger terms, without ids or times: per session its status, archive flag and whether it has
 * a resume id, then each message's state. Equal traces mean equal runs, step by step.
 */
export function settledState(ctx: SoakContext): { sessions: string; messages: string[] } {
  const sessions = ctx.sessions.map((s) => {
    const r = rowOf(ctx, s);
    return r ? `${r.status[0]}${r.archived ? 'A' : ''}${r.vendor_resume_id ? 'R' : ''}` : '?';
  });
  const byKey = new Map(ctx.snap.userMessages.map((m) => [`${m.session_id}/${m.client_id}`, m]));
  const messages = ctx.sends.map((x) => {
    const m = byKey.get(`${x.sessionId}/${x.clientId}`);
    return x.outcome === 'refused' ? `r:${x.reason}` : m ? `${m.state}${m.failure_code ? `:${m.failure_code}` : ''}${m.turn_lost ? ':lost' : ''}` : x.outcome;
  });
  return { sessions: sessions.join(' '), messages };
}

export function buildReport(ctx: SoakContext, ops: number, trace: string, elapsedMs: number): SoakReport {
  const byKey = new Map(ctx.snap.userMessages.map((m) => [`${m.session_id}/${m.client_id}`, m]));
  const messages = { sent: ctx.sends.length, refused: {} as Record<string, number>, delivered: 0, answered: 0, turnLost: 0, failed: {} as Record<string, number>, undecided: 0 };
  for (const s of ctx.sends) {
    if (s.outcome === 'refused') bump(messages.refused, s.reason ?? '?');
    else if (s.outcome === 'lost') messages.undecided++;
    else {
      const m = byKey.get(`${s.sessionId}/${s.clientId}`);
      if (m?.state === 'answered') {
        messages.delivered++;
        messages.answered++;
      } else if (m?.state === 'delivered' || m?.state === 'unanswered') {
        // Written once to the agent; unanswered when its turn ended without an answer or the agent went away (turn lost).
        messages.delivered++;
        if (m.turn_lost === 1) messages.turnLost++;
      } else if (m?.state === 'failed') bump(messages.failed, m.failure_code ?? '?');
      else messages.undecided++;
    }
  }
  const resumes = { attempts: ctx.snap.attempts.length, resumed: 0, failed: {} as Record<string, number> };
  for (const a of ctx.snap.attempts) {
    if (a.state === 'resumed') resumes.resumed++;
    else bump(resumes.failed, a.code ?? a.state);
  }
  return {
    seed: ctx.seed, ops, opsByKind: ctx.counters.ops, faults: ctx.counters.faults, messages, resumes,
    permissions: ctx.counters.permissions, sessions: ctx.sessions.length,
    startsRefused: Object.fromEntries(Object.entries(ctx.counters.refused).filter(([k]) => k.startsWith('start:')).map(([k, v]) => [k.slice(6), v])), trace, violations: ctx.violations, elapsedMs,
    instances: ctx.cluster.instances.length, database: ctx.cluster.databaseUrl ? 'postgres' : 'sqlite', windows: ctx.counters.windows,
  };
}

const sorted = (r: Record<string, number>) => Object.entries(r).sort(([a], [b]) => a.localeCompare(b));

/** The table: only counts that follow from the seed (timings are printed apart, below it). */
export function formatReport(r: SoakReport): string {
  const rows: [string, string][] = [];
  const total = (x: Record<string, number>) => Object.values(x).reduce((a, b) => a + b, 0);
  rows.push(['seed', String(r.seed)]);
  // One SQLite server prints the table as it always did; other setups say what they ran on.
  if (r.instances > 1 || r.database !== 'sqlite') rows.push(['servers', `${r.instances} on ${r.database}${r.instances > 1 ? ', behind a balancer' : ''}`]);
  rows.push(['operations', String(r.ops)]);
  for (const [k, v] of sorted(r.opsByKind)) rows.push([`  ${k}`, String(v)]);
  rows.push(['faults', String(total(r.faults))]);
  for (const [k, v] of sorted(r.faults)) rows.push([`  ${k}`, String(v)]);
  if (Object.keys(r.windows).length > 0) rows.push(['kills inside their window', String(total(r.windows))]);
  for (const [k, v] of sorted(r.windows)) rows.push([`  ${k}`, String(v)]);
  rows.push(['sessions', String(r.sessions)]);
  rows.push(['  starts refused (409)', String(total(r.startsRefused))]);
  for (const [k, v] of sorted(r.startsRefused)) rows.push([`    ${k}`, String(v)]);
  rows.push(['messages sent', String(r.messages.sent)]);
  rows.push(['  delivered', `${r.messages.delivered} (answered ${r.messages.answered}; agent gone mid-turn ${r.messages.turnLost})`]);
  rows.push(['  failed with reason', String(total(r.messages.failed))]);
  for (const [k, v] of sorted(r.messages.failed)) rows.push([`    ${k}`, String(v)]);
  rows.push(['  refused (409 blocked, text kept)', String(total(r.messages.refused))]);
  for (const [k, v] of sorted(r.messages.refused)) rows.push([`    ${k}`, String(v)]);
  rows.push(['  undecided', String(r.messages.undecided)]);
  rows.push(['resume attempts', `${r.resumes.attempts} (reopened ${r.resumes.resumed})`]);
  rows.push(['  failed', String(total(r.resumes.failed))]);
  for (const [k, v] of sorted(r.resumes.failed)) rows.push([`    ${k}`, String(v)]);
  rows.push(['permissions answered', sorted(r.permissions).map(([k, v]) => `${k} ${v}`).join(', ') || '0']);
  rows.push(['op trace', r.trace]);
  rows.push(['violations', String(r.violations.length)]);
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}

/** Where the machines' sockets were at the start of each op (printed under the table: it follows from timing). */
export function formatPlacements(r: SoakReport): string {
  if (!r.placements || Object.keys(r.placements).length === 0) return '';
  return `machine sockets when an op began: ${sorted(r.placements).map(([k, v]) => `${k}: ${v}`).join('; ')}`;
}
