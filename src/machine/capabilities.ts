// What this machine can run: every driver's dependency check, plus drivers that could not load at all.
import type { Backend, BackendCapability, MachineCapabilities } from '../core/index.ts';
import type { BackendDriver } from './providers/backend.ts';

export async function checkCapabilities(drivers: ReadonlyMap<Backend, BackendDriver>, failures: ReadonlyMap<Backend, string> = new Map()): Promise<MachineCapabilities> {
  const out: Partial<Record<Backend, BackendCapability>> = {};
  await Promise.all(
    [...drivers].map(async ([backend, d]) => {
      try {
        out[backend] = await d.checkDependencies();
      } catch (e) {
        // The interface says never throws; a driver bug must still not take the daemon down.
        out[backend] = { installed: false, version: null, canResume: false, detail: `dependency check failed: ${String(e)}`.slice(0, 1000) };
      }
    }),
  );
  for (const [backend, detail] of failures) out[backend] = { installed: false, version: null, canResume: false, detail: detail.slice(0, 1000) };
  return out;
}

export function sameCapabilities(a: MachineCapabilities, b: MachineCapabilities): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(o: MachineCapabilities): unknown {
  return Object.fromEntries(Object.entries(o).sort(([x], [y]) => x.localeCompare(y)));
}
