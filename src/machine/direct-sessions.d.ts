import type { Backend, MachineUp } from '../core/index.ts';
import type { BackendDriver } from './providers/backend.ts';
import type { Logger } from './logger.ts';
type DirectList = Extract<MachineUp, {
    type: 'direct-sessions';
}>['sessions'];
export declare function listDirectSessions(drivers: ReadonlyMap<Backend, BackendDriver>, managedVendorIds: ReadonlySet<string>, log: Logger): Promise<DirectList>;
export {};
