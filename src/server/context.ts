// What every server part shares: stores, clock, log, the links to sockets, and `change()`, the one
// way to modify state: a transaction whose socket effects run only after it committed.
import type { MachineDown, MessageRecord } from '../core/index.ts';
import { soloCluster, type ClusterLink } from './cluster/cluster-link.ts';
import type { Db } from './db/open-database.ts';
import type { Stores } from './store/index.ts';
import { toMessageRecord, type MessageRow } from './store/messages.ts';

/** Commands to daemons; `send` returns false when the machine has no socket here right now. */
export interface MachineLink {
  send(machineId: string, message: MachineDown): boolean;
  /** This instance holds the machine's socket (see `machineConnected` for any instance). */
  isConnected(machineId: string): boolean;
  disconnectDevice(deviceId: string): void;
}

/** Hints to phones: something changed, or a message was added or changed state. */
export interface PhoneLink {
  changed(accountId: string, cursor: number): void;
  message(accountId: string, message: MessageRecord): void;
  disconnectDevice(deviceId: string): void;
  /** A share link was revoked: its viewers' sockets close at once. */
  disconnectShare(shareId: string): void;
}

export interface Tx {
  /** The account's new cursor for this transaction (bumped once, on first use). */
  cursor(accountId: string): number;
  toMachine(machineId: string, message: MachineDown): void;
  messageChanged(accountId: string, row: MessageRow): void;
  afterCommit(fn: () => void): void;
  /** Records that the transaction took a machine offline (see `markMachineOffline`). */
  machineWentOffline(accountId: string, machine: { readonly id: string; readonly lastSeenAt: number }): void;
}

/** What one committed transaction changed, handed to commit observers (push notifications) after it committed. */
export interface CommittedChanges {
  /** Each account the transaction changed, with its new cursor: rows stamped with that cursor changed in it. */
  readonly cursors: ReadonlyMap<string, number>;
  /** Messages added or changed (state, permission decision), as committed, in the order they changed. */
  readonly messages: readonly { readonly accountId: string; readonly row: MessageRow }[];
  /** Machines the transaction took offline. */
  readonly machinesOffline: readonly { readonly accountId: string; readonly id: string; readonly lastSeenAt: number }[];
}

export type CommitObserver = (changes: CommittedChanges) => void;

export interface ServerContext {
  readonly db: Db;
  readonly stores: Stores;
  now(): number;
  log(line: string): void;
  readonly resumeTimeoutMs: number;
  readonly heartbeatTimeoutMs: number;
  /** Base URL for links shown to people (pairing, shares). */
  publicUrl(): string;
  machines: MachineLink;
  phones: PhoneLink;
  /** The other server instances on the same database (none on SQLite). */
  cluster: ClusterLink;
  change<T>(fn: (tx: Tx) => T): T;
  /**
   * Calls `observer` after every committed `change()` that changed something, after the socket effects.
   * It runs on the request path: it must not wait on the network. Returns a disposer.
   */
  observeCommits(observer: CommitObserver): () => void;
}

export function createContext(init: Omit<ServerContext, 'change' | 'machines' | 'phones' | 'cluster' | 'observeCommits'>): ServerContext {
  const unbound = () => {
    throw new Error('socket hubs are not attached yet');
  };
  const observers = new Set<CommitObserver>();
  const ctx: ServerContext = {
    ...init,
    machines: { send: unbound, isConnected: () => false, disconnectDevice: () => {} },
    phones: { changed: () => {}, message: () => {}, disconnectDevice: () => {}, disconnectShare: () => {} },
    cluster: soloCluster,
    change<T>(fn: (tx: Tx) => T): T {
      // Made afresh by each run of the transaction (Postgres runs it again when it lost a race).
      let cursors = new Map<string, number>();
      let effects: (() => void)[] = [];
      let messages: { accountId: string; row: MessageRow }[] = [];
      let machinesOffline: { accountId: string; id: string; lastSeenAt: number }[] = [];
      const tx: Tx = {
        cursor(accountId) {
          let c = cursors.get(accountId);
          if (c === undefined) {
            c = init.stores.cursor.bump(accountId);
            cursors.set(accountId, c);
          }
          return c;
        },
        toMachine: (machineId, message) => {
          // Held by another instance: it gets the command at commit, in commit order.
          if (!ctx.machines.isConnected(machineId) && ctx.cluster.forward(machineId, message)) return;
          effects.push(() => void ctx.machines.send(machineId, message));
        },
        messageChanged: (accountId, row) => {
          const record = toMessageRecord(row);
          messages.push({ accountId, row });
          effects.push(() => ctx.phones.message(accountId, record));
        },
        afterCommit: (f) => void effects.push(f),
        machineWentOffline: (accountId, machine) => void machinesOffline.push({ accountId, ...machine }),
      };
      const result = init.db.transaction(() => {
        cursors = new Map();
        effects = [];
        messages = [];
        machinesOffline = [];
        const r = fn(tx);
        if (cursors.size > 0 || messages.length > 0) ctx.cluster.announce({ cursors, messages, machinesOffline });
        return r;
      }).immediate();
      for (const [accountId, cursor] of cursors) effects.push(() => ctx.phones.changed(accountId, cursor));
      if (observers.size > 0 && (cursors.size > 0 || messages.length > 0)) {
        const changes: CommittedChanges = { cursors, messages, machinesOffline };
        for (const observer of observers) effects.push(() => observer(changes));
      }
      for (const effect of effects) {
        try {
          effect();
        } catch (err) {
          init.log(`after-commit effect failed: ${(err as Error).message}`);
        }
      }
      return result;
    },
    observeCommits(observer) {
      observers.add(observer);
      return () => void observers.delete(observer);
    },
  };
  return ctx;
}

/** Sends a command outside a transaction: through this instance's socket, or the instance holding the machine's. */
export function sendToMachine(ctx: ServerContext, machineId: string, message: MachineDown): boolean {
  return ctx.machines.send(machineId, message) || ctx.cluster.forward(machineId, message);
}

/** Takes a machine offline in `tx`, seen last at `lastSeenAt` (commit observers learn it: push arms its grace). */
export function markMachineOffline(ctx: ServerContext, tx: Tx, machine: { readonly id: string; readonly account_id: string }, lastSeenAt: number): void {
  ctx.stores.machines.markOffline(machine.id, lastSeenAt, tx.cursor(machine.account_id));
  tx.machineWentOffline(machine.account_id, { id: machine.id, lastSeenAt });
}

/** The machine's socket is held by this instance or another one. */
export function machineConnected(ctx: ServerContext, machineId: string): boolean {
  return ctx.machines.isConnected(machineId) || ctx.cluster.heldElsewhere(machineId);
}
