export interface BackoffOptions {
    readonly baseMs: number;
    readonly maxMs: number;
}
/** Delay before reconnect attempt `attempt` (0-based): between half and all of min(max, base·2^attempt). */
export declare function backoffDelay(attempt: number, { baseMs, maxMs }: BackoffOptions, random?: () => number): number;
