// What every part of the session supervisor works with: the store, the drivers, the outbound frames, the running
// agents, and the guard on driver calls.
import type { MachinePolicy } from '../policy.ts';
import type { Backend, MachineCapabilities, MachineUp } from '../../core/index.ts';
import type { DaemonStore } from '../daemon-store.ts';
import type { Logger } from '../logger.ts';
import type { ProcessGuard } from '../process-scan.ts';
import type { BackendDriver } from '../providers/backend.ts';
import type { Guard, RunningAgents } from './running.ts';

export interface Supervision {
  readonly store: DaemonStore;
  readonly drivers: ReadonlyMap<Backend, BackendDriver>;
  /** Durable outbound: queued while disconnected and flushed in order. */
  readonly send: (frame: MachineUp) => void;
  /** The latest dependency check per backend. */
  readonly capabilities: () => MachineCapabilities;
  readonly log: Logger;
  readonly processes: ProcessGuard;
  readonly agents: RunningAgents;
  readonly guard: Guard;
  /** The machine's allowed folders: a takeover outside them is not bound (the drivers' guard refuses starts and resumes). */
  readonly policy?: MachinePolicy;
}
