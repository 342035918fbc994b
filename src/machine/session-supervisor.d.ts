import { type Backend, type MachineCapabilities, type MachineDown, type MachineUp } from '../core/index.ts';
import type { BackendDriver } from './providers/backend.ts';
import type { DaemonStore } from './daemon-store.ts';
import type { Logger } from './logger.ts';
import { type ProcessGuard } from './process-scan.ts';
export interface SupervisorDeps {
    readonly store: DaemonStore;
    readonly drivers: ReadonlyMap<Backend, BackendDriver>;
    /** Durable outbound: queued while disconnected and flushed in order. */
    readonly send: (frame: MachineUp) => void;
    /** The latest dependency check per backend. */
    readonly capabilities: () => MachineCapabilities;
    readonly log: Logger;
    /** How long a driver's start/resume may run before the supervisor gives up on it (a driver guard). */
    readonly guardMs?: number;
    /** Looks at this machine's processes (tests inject a fake). */
    readonly processes?: ProcessGuard;
}
export interface SessionReport {
    readonly sessionId: string;
    readonly vendorResumeId: string | null;
    readonly running: boolean;
    readonly delivered?: readonly string[];
}
export interface SessionSupervisor {
    handle(frame: MachineDown): Promise<void>;
    reports(): SessionReport[];
    /** Vendor ids of every managed session (so direct-session listings leave them out). */
    managedVendorIds(): Set<string>;
    runningCount(): number;
    /** Stops every agent without reporting (the next hello says they are not running). */
    stop(): Promise<void>;
}
export declare function createSessionSupervisor(deps: SupervisorDeps): SessionSupervisor;
