// What every soak operation shares: the cluster, the phones, the PRNG, the soak's own ledger of what the
// phones did (so op choices never depend on ids or timing), the counters of the final table, and violations.
import type { Backend } from '../../src/core/index.ts';
import type { Cluster, MachineNode } from './cluster.ts';
import type { DbSnapshot, Observer, SessionRow } from './observe.ts';
import type { SoakPhone } from './phone.ts';
import type { Rng } from './prng.ts';

/** A session the soak knows, in the order it learnt of it (op choices index this list, never server ids). */
export interface LedgerSession {
  readonly idx: number;
  readonly id: string;
  readonly machine: number;
  readonly backend: Backend;
  /** Created outside Baton and taken over. */
  readonly external: boolean;
  /**
   * Archived at some point: its daemon may have forgotten it (dropping its delivered ids, by design), so
   * which messages it wrote before that is no longer on the daemon's record.
   */
  everArchived?: boolean;
}

/** One message a phone sent (one clientId), and what the server answered in the end. */
export interface LedgerSend {
  readonly step: number;
  readonly sessionId: string;
  readonly clientId: string;
  readonly text: string;
  outcome: 'stored' | 'refused' | 'lost';
  reason: string | null;
}

export type InvariantId = 1 | 2 | 3 | 4 | 5 | 'settle' | 'harness';

export interface Violation {
  readonly step: number;
  readonly op: string;
  readonly invariant: InvariantId;
  readonly detail: string;
}

export interface Counters {
  readonly ops: Record<string, number>;
  readonly faults: Record<string, number>;
  readonly refused: Record<string, number>;
  readonly permissions: Record<string, number>;
  /** Kills that landed inside the window they aim at (checked at the kill), by op. */
  readonly windows: Record<string, number>;
}

export interface SoakContext {
  readonly seed: number;
  readonly rng: Rng;
  readonly cluster: Cluster;
  readonly observer: Observer;
  readonly phones: readonly SoakPhone[];
  readonly sessions: LedgerSession[];
  readonly sends: LedgerSend[];
  readonly counters: Counters;
  readonly violations: Violation[];
  step: number;
  op: string;
  /** The database as of the last settle (what op choices are made from). */
  snap: DbSnapshot;
  log(line: string): void;
}

export function bump(map: Record<string, number>, key: string, by = 1): void {
  map[key] = (map[key] ?? 0) + by;
}

export function violate(ctx: SoakContext, invariant: InvariantId, detail: string): void {
  // The full check sees a standing violation again every time; report each once, at the step that found it.
  if (ctx.violations.some((v) => v.invariant === invariant && v.detail === detail)) return;
  ctx.violations.push({ step: ctx.step, op: ctx.op, invariant, detail });
  ctx.log(`VIOLATION step ${ctx.step} (${ctx.op}) invariant ${invariant}: ${detail}`);
}

export function rowOf(ctx: SoakContext, s: LedgerSession): SessionRow | undefined {
  return ctx.snap.sessions.find((r) => r.id === s.id);
}

export function machineOf(ctx: SoakContext, s: LedgerSession): MachineNode {
  return ctx.cluster.machines[s.machine]!;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` returns a value or the deadline passes (then null). */
export async function waitUntil<T>(check: () => T | null | undefined | false | Promise<T | null | undefined | false>, ms: number, everyMs = 15): Promise<T | null> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch {
      // not readable yet (e.g. the database mid-restart): try again
    }
    if (Date.now() > deadline) return null;
    await sleep(everyMs);
  }
}
