export interface ProcessInfo {
    readonly pid: number;
    readonly args: readonly string[];
    /** Paths of open files (Linux only; empty elsewhere or when not ours to read). */
    readonly openFiles: readonly string[];
}
/** Every process we may look at. Never throws: a machine we cannot scan reports none. */
export declare function listProcesses(): ProcessInfo[];
/** One process, without scanning the others where the platform allows it. */
export declare function processInfo(pid: number): ProcessInfo | null;
/** Processes other than this one whose argv names `vendorId` or that hold a file named after it open. */
export declare function processesUsing(vendorId: string): ProcessInfo[];
/** A short, readable description of a process for a failure sentence. */
export declare function describeProcess(p: ProcessInfo): string;
/** SIGTERM, then SIGKILL if it has not gone after `graceMs`. */
export declare function terminate(pid: number, graceMs?: number): Promise<void>;
/** What the supervisor asks before it reopens a vendor session, and how it clears up after a killed daemon. */
export interface ProcessGuard {
    /** Processes (not ours) holding `vendorId` right now. */
    using(vendorId: string): ProcessInfo[];
    /** Stops `pid` if it is still an agent this daemon's home started (an orphan of a daemon that was killed). */
    reapOrphan(pid: number, vendorId: string | null, command: string): Promise<boolean>;
}
/** The variable a daemon puts in its agents' environment, naming its home: how a later daemon knows them. */
export declare const AGENT_MARKER_VAR = "BATON_AGENT_OF";
export interface ProcessGuardOptions {
    /** `BATON_AGENT_OF=<home>`: the marker this daemon's agents carry. */
    readonly agentMarker?: string | null;
}
export declare function createProcessGuard(o?: ProcessGuardOptions): ProcessGuard;
