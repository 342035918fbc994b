// A daemon's session supervisor over one real driver, with the frames it sends collected: the path a phone's resume takes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend, MachineDown, MachineUp } from '../../../src/core/index.ts';
import { openDaemonStore } from '../../../src/machine/daemon-store.ts';
import { silentLogger } from '../../../src/machine/logger.ts';
import type { BackendDriver } from '../../../src/machine/providers/backend.ts';
import { createSessionSupervisor } from '../../../src/machine/session-supervisor.ts';
import { until } from './sandbox.ts';

export async function machineWith(driver: BackendDriver) {
  const home = mkdtempSync(join(tmpdir(), 'baton-real-daemon-'));
  const sent: MachineUp[] = [];
  const caps = { [driver.backend]: await driver.checkDependencies() };
  const sup = createSessionSupervisor({
    store: openDaemonStore(join(home, 'daemon')), drivers: new Map<Backend, BackendDriver>([[driver.backend, driver]]),
    send: (f) => sent.push(f), capabilities: () => caps, log: silentLogger,
  });
  return {
    sent,
    handle: (f: MachineDown) => sup.handle(f),
    frame: <T extends MachineUp['type']>(type: T, pred: (f: Extract<MachineUp, { type: T }>) => boolean = () => true) =>
      until(() => sent.find((f): f is Extract<MachineUp, { type: T }> => f.type === type && pred(f as Extract<MachineUp, { type: T }>)), `a ${type} frame`, 60_000),
    async close() {
      await sup.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
