import type { Backend, MachineCapabilities } from '../core/index.ts';
import type { BackendDriver } from './providers/backend.ts';
export declare function checkCapabilities(drivers: ReadonlyMap<Backend, BackendDriver>, failures?: ReadonlyMap<Backend, string>): Promise<MachineCapabilities>;
export declare function sameCapabilities(a: MachineCapabilities, b: MachineCapabilities): boolean;
