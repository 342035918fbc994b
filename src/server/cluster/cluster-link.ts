// What a server instance needs from the others that share its database (docs/scaling.md). On SQLite there are no
// others: `soloCluster` says so in every answer, and nothing else changes for a single server.
import type { MachineDown, MachineUp } from '../../core/index.ts';
import type { CommittedChanges } from '../context.ts';

export interface ClusterLink {
  /** This instance's id (a new one per process), as its leases name it. */
  readonly instanceId: string;
  /** Other instances may share the database. */
  readonly shared: boolean;
  /** In a transaction: tells the other instances what it changed, so they tell their phones (sent at commit). */
  announce(changes: CommittedChanges): void;
  /**
   * A command for a machine whose socket this instance does not hold: sent (at commit, when in a transaction) to the
   * instance that does. False when no instance holds it (the machine is offline: the command is dropped, as a send
   * to a closed socket is, and the machine's next hello reconciles).
   */
  forward(machineId: string, message: MachineDown): boolean;
  /** Some other instance holds the machine's socket now. */
  heldElsewhere(machineId: string): boolean;
  /** In a hello's transaction: this instance holds the machine's socket from now on. */
  takeLease(machineId: string): void;
  /**
   * In the transaction of a machine socket's close (or of a sweep after its instance died): true when the machine
   * was this instance's (or its lease ran out), so it goes offline; false when another instance took it over.
   */
  releaseLease(machineId: string): boolean;
  /** A history answer no request on this instance waits for: the instance that asked gets it. */
  relayHistory(machineId: string, answer: Extract<MachineUp, { type: 'history' }>): void;
  /** A device was revoked or a share ended: the other instances close their sockets too. */
  disconnectDevice(deviceId: string): void;
  disconnectShare(shareId: string): void;
  stop(): void;
}

export const soloCluster: ClusterLink = {
  instanceId: 'solo',
  shared: false,
  announce: () => {},
  forward: () => false,
  heldElsewhere: () => false,
  takeLease: () => {},
  releaseLease: () => true,
  relayHistory: () => {},
  disconnectDevice: () => {},
  disconnectShare: () => {},
  stop: () => {},
};
