// Runs this machine's daemon in the current process with the real drivers (shared by `baton daemon` and `baton up`).
import { agentMarker, createDaemon, type Daemon } from '../../machine/daemon.ts';
import { consoleLogger, type Logger } from '../../machine/logger.ts';
import { createDrivers } from '../../machine/providers/registry.ts';

export interface RunDaemonOptions {
  readonly home: string;
  readonly serverUrl: string;
  readonly token: string;
  readonly name: string;
  readonly log?: Logger;
  readonly onFatal?: (reason: string) => void;
}

export async function startDaemon(o: RunDaemonOptions): Promise<Daemon> {
  // Agents carry the home that started them, so the next daemon can stop any this one leaves behind.
  const [key, value] = agentMarker(o.home).split(/=(.*)/s) as [string, string];
  const { drivers, failures } = await createDrivers({ env: { ...process.env, [key]: value } });
  const daemon = createDaemon({
    home: o.home, serverUrl: o.serverUrl, token: o.token, name: o.name, drivers, driverFailures: failures,
    log: o.log ?? consoleLogger(), ...(o.onFatal ? { onFatal: o.onFatal } : {}),
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
