import { type MachineDown, type MachineUp } from '../core/index.ts';
import { type BackoffOptions } from './backoff.ts';
import type { DaemonStore } from './daemon-store.ts';
import type { Logger } from './logger.ts';
export type LinkState = 'connecting' | 'ready' | 'offline' | 'stopped';
export interface ServerLinkOptions {
    /** The server's base URL (http or https); the socket goes to /api/machine on it. */
    readonly serverUrl: string;
    /** Builds the hello frame afresh for each connection (sessions and capabilities change). */
    readonly hello: () => Promise<Extract<MachineUp, {
        type: 'hello';
    }>>;
    readonly onFrame: (frame: MachineDown) => void;
    /** Called once the server welcomed us (after the outbox was flushed). */
    readonly onReady?: (machineId: string) => void;
    /** The server refused us for good (bad token, protocol); reconnecting will not help. */
    readonly onFatal?: (reason: string) => void;
    readonly store: DaemonStore;
    readonly log: Logger;
    readonly heartbeatMs?: number;
    readonly welcomeTimeoutMs?: number;
    readonly backoff?: BackoffOptions;
}
export interface ServerLink {
    start(): void;
    stop(): Promise<void>;
    /** Queue a frame durably; sent now if connected, else flushed in order after the next welcome. */
    sendDurable(frame: MachineUp): void;
    /** Send now if connected, else drop (heartbeats, listings that are rebuilt on reconnect). */
    sendVolatile(frame: MachineUp): void;
    state(): LinkState;
    machineId(): string | null;
}
export declare function machineSocketUrl(serverUrl: string): string;
export declare function createServerLink(o: ServerLinkOptions): ServerLink;
