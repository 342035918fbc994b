import { type Backend, type MachineCapabilities } from '../core/index.ts';
import { type DaemonStore } from './daemon-store.ts';
import { type Logger } from './logger.ts';
import type { BackendDriver } from './providers/backend.ts';
import { type ServerLink } from './server-link.ts';
import { type SessionSupervisor } from './session-supervisor.ts';
import { type ProcessGuard } from './process-scan.ts';
export interface DaemonOptions {
    /** $BATON_HOME: the store lives in <home>/daemon/, the control socket at <home>/daemon.sock. */
    readonly home: string;
    readonly serverUrl: string;
    readonly token: string;
    readonly name: string;
    readonly drivers: ReadonlyMap<Backend, BackendDriver>;
    /** Backends whose driver could not load, with why (reported as not installed). */
    readonly driverFailures?: ReadonlyMap<Backend, string>;
    readonly log?: Logger;
    readonly heartbeatMs?: number;
    readonly directIntervalMs?: number;
    readonly capabilitiesIntervalMs?: number;
    /** Open the local control socket (off in unit tests that run several daemons per home). */
    readonly controlSocket?: boolean;
    readonly onFatal?: (reason: string) => void;
    /** A store to use instead of the one under `home` (unit tests). */
    readonly store?: DaemonStore;
    /** Looks at this machine's processes (default: the real ones, knowing our agents by their marker). */
    readonly processes?: ProcessGuard;
}
export interface DaemonStatus {
    readonly pid: number;
    readonly name: string;
    readonly serverUrl: string;
    readonly link: string;
    readonly machineId: string | null;
    readonly sessions: ReturnType<SessionSupervisor['reports']>;
    readonly capabilities: MachineCapabilities;
    readonly queuedFrames: number;
}
export interface Daemon {
    start(): Promise<void>;
    stop(): Promise<void>;
    status(): DaemonStatus;
    readonly link: ServerLink;
    readonly supervisor: SessionSupervisor;
}
export declare function createDaemon(o: DaemonOptions): Daemon;
/** `BATON_AGENT_OF=<home>`: set in the environment of every agent a daemon of this home starts. */
export declare function agentMarker(home: string): string;
