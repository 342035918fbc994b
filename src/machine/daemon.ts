// The machine daemon as one service: store + supervisor + server link + direct-session listing + control socket.
import { join, resolve } from 'node:path';
import type { Backend, MachineCapabilities, MachineDown } from '../core/index.ts';
import { checkCapabilities, sameCapabilities } from './capabilities.ts';
import { createControlSocket, type ControlSocket } from './control-socket.ts';
import { openDaemonStore, type DaemonStore } from './daemon-store.ts';
import { listDirectSessions } from './direct-sessions.ts';
import { helloFrames } from './hello.ts';
import { answerHistory } from './history-answer.ts';
import { silentLogger, type Logger } from './logger.ts';
import type { MachinePolicy } from './policy.ts';
import type { BackendDriver } from './providers/backend.ts';
import { createServerLink, type ServerLink } from './server-link.ts';
import { createSessionSupervisor, type SessionSupervisor } from './session-supervisor.ts';
import { AGENT_MARKER_VAR, createProcessGuard, type ProcessGuard } from './process-scan.ts';

export interface DaemonOptions {
  /** $BATON_HOME: the store lives in <home>/daemon/, the control socket at <home>/daemon.sock. */
  readonly home: string;
  readonly serverUrl: string;
  readonly token: string;
  readonly name: string;
  readonly drivers: ReadonlyMap<Backend, BackendDriver>;
  /** Backends whose driver could not load, with why (reported as not installed). */
  readonly driverFailures?: ReadonlyMap<Backend, string>;
  readonly log?: Logger;
  readonly heartbeatMs?: number;
  /** When a frame the server keeps failing to store is parked (default PARK_AFTER in server-link.ts). */
  readonly parkAfter?: { readonly failures: number; readonly ms: number };
  readonly directIntervalMs?: number;
  readonly capabilitiesIntervalMs?: number;
  /** Open the local control socket (off in unit tests that run several daemons per home). */
  readonly controlSocket?: boolean;
  readonly onFatal?: (reason: string) => void;
  /** A store to use instead of the one under `home` (unit tests). */
  readonly store?: DaemonStore;
  /** Looks at this machine's processes (default: the real ones, knowing our agents by their marker). */
  readonly processes?: ProcessGuard;
  /** The folders agents may work in (the drivers' guard enforces it for starts and resumes; takeovers are checked here). */
  readonly policy?: MachinePolicy;
}

export interface DaemonStatus {
  readonly pid: number;
  readonly name: string;
  readonly serverUrl: string;
  readonly link: string;
  readonly machineId: string | null;
  readonly sessions: ReturnType<SessionSupervisor['reports']>;
  readonly capabilities: MachineCapabilities;
  readonly queuedFrames: number;
  /** Frames the server kept failing to store, taken out of the outbox (see docs/api.md). */
  readonly parkedFrames: number;
  /** The folders agents may work in, as `baton doctor` shows them; null when the daemon runs without a policy (tests). */
  readonly policy: { readonly roots: readonly string[]; readonly isDefault: boolean; readonly description: string } | null;
}

export interface Daemon {
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): DaemonStatus;
  readonly link: ServerLink;
  readonly supervisor: SessionSupervisor;
}

export function createDaemon(o: DaemonOptions): Daemon {
  const log = o.log ?? silentLogger;
  const store = o.store ?? openDaemonStore(join(o.home, 'daemon'));
  let capabilities: MachineCapabilities = {};
  let lastDirect = '';
  const timers: NodeJS.Timeout[] = [];
  let control: ControlSocket | null = null;

  const supervisor = createSessionSupervisor({
    store, drivers: o.drivers, log, capabilities: () => capabilities,
    send: (frame) => link.sendDurable(frame),
    readHistory: (frame) => readHistory(frame),
    processes: o.processes ?? createProcessGuard({ agentMarker: agentMarker(o.home) }),
    ...(o.policy ? { policy: o.policy } : {}),
  });

  /** Vendor ids of the direct sessions this machine listed last: the ones whose history it will read. */
  let listed = new Set<string>();

  async function sendDirect(force: boolean): Promise<void> {
    const { sessions, complete } = await listDirectSessions(o.drivers, supervisor.managedVendorIds(), log);
    listed = new Set(sessions.map((d) => d.vendorResumeId));
    const key = JSON.stringify([sessions, complete]);
    if (!force && key === lastDirect) return; // nothing new; the server already has this list
    if (link.state() !== 'ready') return;
    lastDirect = key;
    link.sendVolatile({ type: 'direct-sessions', sessions, complete });
  }

  function readHistory(frame: Extract<MachineDown, { type: 'history-request' }>): void {
    const known = (id: string) => listed.has(id) || supervisor.managedVendorIds().has(id);
    answerHistory(frame, o.drivers, known)
      .then((answer) => link.sendVolatile(answer))
      .catch((e: unknown) => log.error(`reading history for ${frame.sessionId}: ${String(e)}`));
  }

  async function refreshCapabilities(): Promise<void> {
    const next = await checkCapabilities(o.drivers, o.driverFailures);
    if (sameCapabilities(next, capabilities)) return;
    capabilities = next;
    link.sendVolatile({ type: 'capabilities', capabilities });
  }

  const link = createServerLink({
    serverUrl: o.serverUrl, store, log,
    ...(o.heartbeatMs !== undefined ? { heartbeatMs: o.heartbeatMs } : {}),
    ...(o.parkAfter ? { parkAfter: o.parkAfter } : {}),
    hello: async () => {
      const reports = supervisor.reports();
      // Queued frames are re-sent after this hello (the server may already have applied them). A `stopped`
      // from an earlier run of a session that runs again now would make the server think it stopped after
      // the hello said it runs, and fail the messages it re-delivers: the hello already tells the truth.
      const runningNow = new Set(reports.filter((r) => r.running).map((r) => r.sessionId));
      const stale = store.dropWhere((f) => f.type === 'stopped' && runningNow.has(f.sessionId));
      if (stale > 0) log.info(`dropped ${stale} queued stop report(s) of sessions that run again`);
      // The reports as the supervisor made them (delivered ids included): the frame that travels is the type it reports.
      return helloFrames({ token: o.token, name: o.name, capabilities }, reports);
    },
    // The supervisor takes the server's commands straight from the link (a history request included).
    onFrame: supervisor.handle,
    onReady: (machineId) => {
      log.info(`connected to ${o.serverUrl} as machine ${machineId}`);
      void sendDirect(true);
    },
    ...(o.onFatal ? { onFatal: o.onFatal } : {}),
  });

  return {
    link,
    supervisor,
    async start() {
      capabilities = await checkCapabilities(o.drivers, o.driverFailures);
      if (o.controlSocket !== false) {
        control = createControlSocket(join(o.home, 'daemon.sock'), () => this.status());
        await control.start();
      }
      link.start();
      timers.push(setInterval(() => void sendDirect(false), o.directIntervalMs ?? 30_000));
      timers.push(setInterval(() => void refreshCapabilities(), o.capabilitiesIntervalMs ?? 5 * 60_000));
    },
    async stop() {
      for (const t of timers.splice(0)) clearInterval(t);
      await supervisor.stop();
      await link.stop();
      await control?.stop();
      control = null;
      if (!o.store) store.close(); // ours to close; an injected store belongs to the test
    },
    status: () => ({
      pid: process.pid, name: o.name, serverUrl: o.serverUrl, link: link.state(), machineId: link.machineId(),
      sessions: supervisor.reports(), capabilities, queuedFrames: store.outboxSize(), parkedFrames: store.parked().length,
      policy: o.policy ? { roots: o.policy.roots, isDefault: o.policy.isDefault, description: o.policy.describe() } : null,
    }),
  };
}

/** `BATON_AGENT_OF=<home>`: set in the environment of every agent a daemon of this home starts. */
export function agentMarker(home: string): string {
  return `${AGENT_MARKER_VAR}=${resolve(home)}`;
}
