export declare function readJsonFile<T>(path: string): T | null;
export declare function writeJsonFileAtomic(path: string, value: unknown, mode?: number): void;
