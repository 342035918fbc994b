// Many `baton server` instances on one Postgres database (docs/scaling.md). Each holds the sockets that reached it;
// through the database they tell each other what changed (phones on any instance hear of every commit), pass
// commands to the instance holding a machine's socket (its lease), hand a machine over when it reconnects elsewhere,
// and sweep up after an instance that died: its machines go offline once their leases run out, and deadlines it had
// armed (resumes, held messages) are fired by whichever instance gets to them first.
import type { MachineDown, MachineUp } from '../../core/index.ts';
import type { PostgresDb } from '../db/postgres.ts';
import type { CommittedChanges, ServerContext } from '../context.ts';
import { toMessageRecord } from '../store/messages.ts';
import { newId } from '../tokens.ts';
import { createBus } from './bus.ts';
import type { ClusterLink } from './cluster-link.ts';
import { createLeases } from './leases.ts';

type HistoryAnswer = Extract<MachineUp, { type: 'history' }>;

export interface ClusterTimings {
  /** How long a lease lasts unrenewed: a dead instance's machines stay online this long (default 10 000). */
  readonly leaseMs?: number;
  /** How often leases are renewed and the sweeps run (default 1 000). */
  readonly sweepMs?: number;
}

/** What the cluster reaches on this instance once the hubs exist. */
export interface ClusterParts {
  readonly machineHub: { send(machineId: string, m: MachineDown): boolean; isConnected(machineId: string): boolean; handOver(machineId: string): void; held(): string[]; disconnectDevice(deviceId: string): void };
  readonly phoneHub: { changed(accountId: string, cursor: number): void; message(accountId: string, m: ReturnType<typeof toMessageRecord>): void; disconnectDevice(deviceId: string): void; disconnectShare(shareId: string): void };
  readonly history: { onAnswer(machineId: string, answer: HistoryAnswer): boolean };
  readonly machineEvents: { onDisconnect(machineId: string, lastSeenAt: number): void };
  /** Fires resume and hold deadlines that passed before `before` (armed by an instance that may be gone). */
  readonly sweepDeadlines: (before: number) => void;
}

export interface PostgresCluster extends ClusterLink {
  /** Starts listening and sweeping, once the hubs exist. */
  attach(parts: ClusterParts): void;
}

/** A deadline armed on another instance is left to it for this long past its time (it fires it exactly). */
const DEADLINE_GRACE_MS = 2_000;

export function createPostgresCluster(ctx: ServerContext, db: PostgresDb, timings: ClusterTimings = {}): PostgresCluster {
  const instanceId = newId('ins');
  const leaseMs = timings.leaseMs ?? 10_000;
  const sweepMs = timings.sweepMs ?? 1_000;
  const bus = createBus(db, instanceId, ctx.now, ctx.log);
  const leases = createLeases(db);
  let parts: ClusterParts | null = null;
  let timer: NodeJS.Timeout | null = null;
  let lastPrune = 0;

  function sweep(): void {
    if (!parts) return;
    const now = ctx.now();
    const guard = (what: string, fn: () => void) => {
      try {
        fn();
      } catch (err) {
        ctx.log(`cluster: ${what} failed: ${(err as Error).stack ?? err}`);
      }
    };
    guard('renewing leases', () => {
      const kept = leases.renew(instanceId, now + leaseMs);
      // A socket this instance holds whose lease ran out (it stalled, another swept it): the daemon says hello again.
      for (const machineId of parts!.machineHub.held()) if (!kept.has(machineId)) parts!.machineHub.handOver(machineId);
    });
    guard('sweeping expired leases', () => {
      for (const { machineId, expiresAt } of leases.expired(now, 100)) parts!.machineEvents.onDisconnect(machineId, expiresAt - leaseMs);
    });
    guard('sweeping deadlines', () => parts!.sweepDeadlines(now - DEADLINE_GRACE_MS));
    if (now - lastPrune > 60_000) {
      lastPrune = now;
      guard('pruning the relay', () => bus.prune(now));
    }
  }

  const cluster: PostgresCluster = {
    instanceId,
    shared: true,
    announce(changes: CommittedChanges) {
      bus.publish('changes', {
        cursors: [...changes.cursors],
        messages: changes.messages.map((m) => [m.accountId, m.row.id]),
      });
    },
    forward(machineId, message) {
      if (!leases.heldElsewhere(machineId, instanceId, ctx.now())) return false;
      bus.publish('machine', { machineId, message });
      return true;
    },
    heldElsewhere: (machineId) => leases.heldElsewhere(machineId, instanceId, ctx.now()),
    takeLease(machineId) {
      leases.take(machineId, instanceId, ctx.now() + leaseMs);
      bus.publish('taken', { machineId });
    },
    releaseLease: (machineId) => leases.release(machineId, instanceId, ctx.now()),
    disconnectDevice: (deviceId) => bus.publish('device', { deviceId }),
    disconnectShare: (shareId) => bus.publish('share', { shareId }),
    relayHistory: (machineId, answer) => bus.publish('history', { machineId, answer }),
    attach(p) {
      parts = p;
      bus.subscribe('changes', (b) => {
        const { cursors, messages } = b as { cursors: [string, number][]; messages: [string, string][] };
        for (const [accountId, id] of messages) {
          const row = ctx.stores.messages.get(id);
          if (row) p.phoneHub.message(accountId, toMessageRecord(row));
        }
        for (const [accountId, cursor] of cursors) p.phoneHub.changed(accountId, cursor);
      });
      bus.subscribe('machine', (b) => {
        const { machineId, message } = b as { machineId: string; message: MachineDown };
        p.machineHub.send(machineId, message);
      });
      bus.subscribe('taken', (b) => {
        const { machineId } = b as { machineId: string };
        // Read again: the machine may have come back here since (a flapping network), and then it stays.
        if (p.machineHub.isConnected(machineId) && leases.heldElsewhere(machineId, instanceId, ctx.now())) p.machineHub.handOver(machineId);
      });
      bus.subscribe('device', (b) => {
        const { deviceId } = b as { deviceId: string };
        p.machineHub.disconnectDevice(deviceId);
        p.phoneHub.disconnectDevice(deviceId);
      });
      bus.subscribe('share', (b) => p.phoneHub.disconnectShare((b as { shareId: string }).shareId));
      bus.subscribe('history', (b) => {
        const { machineId, answer } = b as { machineId: string; answer: HistoryAnswer };
        p.history.onAnswer(machineId, answer);
      });
      timer = setInterval(sweep, sweepMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
      parts = null;
    },
  };
  return cluster;
}
