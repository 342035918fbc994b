// Runs this machine's daemon in the current process with the real drivers (shared by `baton daemon` and `baton up`).
import { agentMarker, createDaemon, type Daemon } from '../../machine/daemon.ts';
import { delimiter } from 'node:path';
import { consoleLogger, type Logger } from '../../machine/logger.ts';
import { ALLOW_ROOTS_VAR, createPolicy, type MachinePolicy } from '../../machine/policy.ts';
import { createDrivers } from '../../machine/providers/registry.ts';

export interface RunDaemonOptions {
  readonly home: string;
  readonly serverUrl: string;
  readonly token: string;
  readonly name: string;
  readonly log?: Logger;
  readonly onFatal?: (reason: string) => void;
  /** `--allow-root` folders (given now or remembered); empty: BATON_ALLOW_ROOTS, else the home. */
  readonly allowRoots?: readonly string[];
}

/** The folders agents may work in: the flags, else BATON_ALLOW_ROOTS, else the user's home (without dot-directories). */
export function machinePolicy(allowRoots: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): MachinePolicy {
  const fromEnv = (env[ALLOW_ROOTS_VAR] ?? '').split(delimiter).filter((r) => r !== '');
  return createPolicy({ roots: allowRoots.length > 0 ? allowRoots : fromEnv, ...(env.HOME ? { home: env.HOME } : {}) });
}

export async function startDaemon(o: RunDaemonOptions): Promise<Daemon> {
  // Agents carry the home that started them, so the next daemon can stop any this one leaves behind.
  const [key, value] = agentMarker(o.home).split(/=(.*)/s) as [string, string];
  const policy = machinePolicy(o.allowRoots);
  const { drivers, failures } = await createDrivers({ env: { ...process.env, [key]: value }, policy });
  const log = o.log ?? consoleLogger();
  log.info(`policy: ${policy.describe()}`);
  const daemon = createDaemon({
    policy,
    home: o.home, serverUrl: o.serverUrl, token: o.token, name: o.name, drivers, driverFailures: failures,
    log, ...(o.onFatal ? { onFatal: o.onFatal } : {}),
    ...(process.env.BATON_DIRECT_INTERVAL_MS ? { directIntervalMs: Number(process.env.BATON_DIRECT_INTERVAL_MS) } : {}),
  });
  await daemon.start();
  return daemon;
}

/** Resolves when the process is asked to stop (SIGINT/SIGTERM) or `fatal` is called. */
export function untilSignal(): { done: Promise<string | null>; fatal: (reason: string) => void } {
  let fatal!: (reason: string) => void;
  const done = new Promise<string | null>((resolve) => {
    const stop = () => resolve(null);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    fatal = (reason) => resolve(reason);
  });
  return { done, fatal };
}
