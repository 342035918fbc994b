export interface Logger {
    info(msg: string): void;
    warn(msg: string): void;
    error(msg: string): void;
}
export declare const silentLogger: Logger;
export declare function consoleLogger(prefix?: string): Logger;
