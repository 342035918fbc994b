export type ControlRequest = {
    readonly op: 'status';
};
export interface ControlSocket {
    start(): Promise<void>;
    stop(): Promise<void>;
}
export declare function createControlSocket(path: string, status: () => unknown): ControlSocket;
/** Ask the daemon of a home for its status; null when none is running. */
export declare function queryControlSocket(path: string, request?: ControlRequest, timeoutMs?: number): Promise<unknown | null>;
