// Which processes on this machine hold a vendor session: so a resume never opens a second agent on a
// session still open elsewhere (a terminal, an orphan of a killed daemon), which would fork it.
// Linux reads /proc (argv and open files); elsewhere `ps` gives argv only.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';

export interface ProcessInfo {
  readonly pid: number;
  readonly args: readonly string[];
  /** Paths of open files (Linux only; empty elsewhere or when not ours to read). */
  readonly openFiles: readonly string[];
}

/** Every process we may look at. Never throws: a machine we cannot scan reports none. */
export function listProcesses(): ProcessInfo[] {
  if (process.platform === 'linux') return listFromProc();
  try {
    const out = execFileSync('ps', ['-axww', '-o', 'pid=,command='], { encoding: 'utf8', timeout: 5_000 });
    return out.split('\n').flatMap((line) => {
      const m = /^\s*(\d+)\s+(.*)$/.exec(line);
      return m ? [{ pid: Number(m[1]), args: m[2]!.split(/\s+/), openFiles: [] }] : [];
    });
  } catch {
    return [];
  }
}

function listFromProc(): ProcessInfo[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const p = /^\d+$/.test(e) ? procInfo(Number(e)) : null;
    return p ? [p] : [];
  });
}

/** One process from /proc; null when it is gone (or a kernel thread). */
function procInfo(pid: number): ProcessInfo | null {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return { pid, args, openFiles: openFilesOf(pid) };
  } catch {
    return null;
  }
}

/** One process, without scanning the others where the platform allows it. */
export function processInfo(pid: number): ProcessInfo | null {
  return process.platform === 'linux' ? procInfo(pid) : listProcesses().find((p) => p.pid === pid) ?? null;
}

function openFilesOf(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        return target.startsWith('/') ? [target] : [];
      } catch {
        return [];
      }
    });
  } catch {
    return []; // another user's process: we see its argv only
  }
}

/** Whether `p`'s command line or open files name `vendorId` (ids too short to tell apart never match). */
function namesSession(p: ProcessInfo, vendorId: string | null): boolean {
  if (vendorId === null || vendorId.length < 8) return false;
  return p.args.some((a) => a.includes(vendorId)) || p.openFiles.some((f) => f.includes(vendorId));
}

/** Processes other than this one whose argv names `vendorId` or that hold a file named after it open. */
export function processesUsing(vendorId: string): ProcessInfo[] {
  if (vendorId.length < 8) return [];
  return listProcesses().filter((p) => p.pid !== process.pid && namesSession(p, vendorId));
}

/** A short, readable description of a process for a failure sentence. */
export function describeProcess(p: ProcessInfo): string {
  const cmd = p.args.map((a) => a.split('/').pop()!).join(' ');
  return `pid ${p.pid}: ${cmd.length > 120 ? `${cmd.slice(0, 117)}…` : cmd}`;
}

/** Whether `p` runs a command named like `command` (e.g. `claude`, or `node …/claude`). */
function runsCommand(p: ProcessInfo, command: string): boolean {
  const base = command.split('/').pop()!;
  return p.args.some((a) => a.split('/').pop() === base);
}

/** Whether a process with this pid exists (one of another user counts: it exists, we may not signal it). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * When the process started, in clock ticks since boot (field 22 of /proc/<pid>/stat), as a string: what
 * Claude records as `procStart`, so a reused pid is told apart. Null where unknown (not Linux, gone).
 */
export function processStartTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `comm` (field 2) may hold spaces and parentheses: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * Pids holding a flock(2) on `path` (Linux /proc/locks, which lists every process's locks, ours to read or
 * not). Empty when the file is missing, unlocked, or the platform has no /proc/locks.
 */
export function flockHolders(path: string): number[] {
  let ino: bigint;
  let dev: string;
  let table: string;
  try {
    const st = statSync(path, { bigint: true });
    ino = st.ino;
    dev = deviceId(st.dev);
    table = readFileSync('/proc/locks', 'utf8');
  } catch {
    return [];
  }
  const pids = new Set<number>();
  for (const line of table.split('\n')) {
    // "3: FLOCK  ADVISORY  WRITE 20671 fe:00:2255814 0 EOF"; a waiter's line has "->" and holds nothing.
    const f = line.trim().split(/\s+/);
    if (f[1] !== 'FLOCK' || f.length < 6) continue;
    const [maj, min, inode] = f[5]!.split(':');
    if (inode === undefined || BigInt(inode) !== ino || `${maj}:${min}`.toLowerCase() !== dev) continue;
    const pid = Number(f[4]);
    if (Number.isInteger(pid) && pid > 0) pids.add(pid);
  }
  return [...pids];
}

/** `st_dev` as /proc/locks prints it: hex major:minor (glibc's encoding of dev_t). */
function deviceId(dev: bigint): string {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}`;
}

/** SIGTERM, then SIGKILL if it has not gone after `graceMs`. */
export async function terminate(pid: number, graceMs = 2_000): Promise<void> {
  const alive = () => isAlive(pid);
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (alive()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** What the supervisor asks before it reopens a vendor session, and how it clears up after a killed daemon. */
export interface ProcessGuard {
  /** Processes (not ours) holding `vendorId` right now. */
  using(vendorId: string): ProcessInfo[];
  /** Stops `pid` if it is still an agent this daemon's home started (an orphan of a daemon that was killed). */
  reapOrphan(pid: number, vendorId: string | null, command: string): Promise<boolean>;
}

/** The variable a daemon puts in its agents' environment, naming its home: how a later daemon knows them. */
export const AGENT_MARKER_VAR = 'BATON_AGENT_OF';

export interface ProcessGuardOptions {
  /** `BATON_AGENT_OF=<home>`: the marker this daemon's agents carry. */
  readonly agentMarker?: string | null;
}

function environOf(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  } catch {
    return null;
  }
}

export function createProcessGuard(o: ProcessGuardOptions = {}): ProcessGuard {
  return {
    using: processesUsing,
    async reapOrphan(pid, vendorId, command) {
      if (pid === process.pid) return false;
      // Pids are reused (after a reboot especially): only a process that carries our marker is ours. Where
      // environments cannot be read, one that still names our session or our agent's command.
      const env = o.agentMarker ? environOf(pid) : null;
      const p = env === null ? processInfo(pid) : null;
      const ours = env !== null ? env.includes(o.agentMarker!) : p !== null && (namesSession(p, vendorId) || runsCommand(p, command));
      if (!ours) return false;
      await terminate(pid);
      return true;
    },
  };
}
