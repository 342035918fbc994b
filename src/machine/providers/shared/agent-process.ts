// A spawned vendor CLI: JSON lines in and out over stdio, a stderr tail for error details, and a stop that always reaps it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: string | null;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  readonly spawnError: string | null;
}

export interface AgentProcessOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** How long stop() waits after SIGTERM before SIGKILL. */
  readonly killGraceMs?: number;
  /**
   * Run the CLI in its own process group and signal the whole group on stop. For CLIs that are a
   * wrapper plus a child (Gemini): signalling only the wrapper would leave the child running.
   */
  readonly processGroup?: boolean;
  /**
   * On stop, close stdin and wait this long for a clean exit before any signal. Some CLIs ignore
   * SIGTERM while stdin is open (Gemini) and tidy their own files only on a clean exit.
   */
  readonly stdinCloseGraceMs?: number;
  /** Leave stdout unread here: a protocol library reads `stdout` itself (JSON lines are then not parsed). */
  readonly rawStdout?: boolean;
}

const STDERR_TAIL_CHARS = 2000;

export class AgentProcess {
  readonly pid: number | null;
  /** Resolves once the process is gone (or never started). Never rejects. */
  readonly exited: Promise<ProcessExit>;
  private readonly child: ChildProcess;
  private stderrTail = '';
  private exit: ProcessExit | null = null;
  private readonly lineListeners = new Set<(value: unknown) => void>();
  private readonly badLineListeners = new Set<(line: string) => void>();
  private readonly killGraceMs: number;
  private readonly processGroup: boolean;
  private readonly stdinCloseGraceMs: number;

  constructor(options: AgentProcessOptions) {
    this.killGraceMs = options.killGraceMs ?? 2000;
    this.processGroup = options.processGroup === true;
    this.stdinCloseGraceMs = options.stdinCloseGraceMs ?? 0;
    // The env's PATH decides where a bare command is found, which is how tests put the fakes first.
    this.child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: stripUndefined(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: this.processGroup,
    });
    this.pid = this.child.pid ?? null;
    this.exited = new Promise<ProcessExit>((resolve) => {
      this.child.once('error', (err: NodeJS.ErrnoException) => {
        if (this.child.pid !== undefined && err.code !== 'ENOENT' && err.code !== 'EACCES') return;
        this.exit = { code: null, signal: null, spawnError: `${err.code ?? 'error'}: ${err.message}` };
        resolve(this.exit);
      });
      this.child.once('close', (code, signal) => {
        this.exit ??= { code, signal, spawnError: null };
        resolve(this.exit);
      });
    });
    this.child.stdin?.on('error', () => {
      // EPIPE after the process died: the exit handler reports it.
    });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
    });
    if (this.child.stdout && options.rawStdout !== true) {
      const rl = createInterface({ input: this.child.stdout, crlfDelay: Infinity });
      rl.on('line', (line) => {
        if (line.trim().length === 0) return;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          for (const l of this.badLineListeners) l(line);
          return;
        }
        for (const l of this.lineListeners) l(value);
      });
    }
  }

  get running(): boolean {
    return this.exit === null && this.child.exitCode === null && this.child.signalCode === null;
  }

  get stderr(): string {
    return this.stderrTail.trim();
  }

  /** Subscribe to parsed JSON lines from stdout; returns a disposer. */
  onLine(listener: (value: unknown) => void): () => void {
    this.lineListeners.add(listener);
    return () => this.lineListeners.delete(listener);
  }

  onBadLine(listener: (line: string) => void): () => void {
    this.badLineListeners.add(listener);
    return () => this.badLineListeners.delete(listener);
  }

  /** Writes one JSON line; resolves once it was handed to the pipe. Rejects if the process is gone. */
  write(value: unknown): Promise<void> {
    const stdin = this.child.stdin;
    if (!this.running || !stdin || stdin.destroyed || !stdin.writable) {
      return Promise.reject(new Error('the agent process is not running'));
    }
    return new Promise<void>((resolve, reject) => {
      stdin.write(JSON.stringify(value) + '\n', (err) => (err ? reject(err) : resolve()));
    });
  }

  /** The child's stdin and stdout, for a protocol library that does its own framing (with `rawStdout`). */
  get stdio(): { readonly stdin: NodeJS.WritableStream | null; readonly stdout: NodeJS.ReadableStream | null } {
    return { stdin: this.child.stdin, stdout: this.child.stdout };
  }

  /**
   * Closes stdin (waiting `stdinCloseGraceMs` for a clean exit), then SIGTERM, then SIGKILL after the
   * grace period; resolves when the process has exited. Idempotent.
   */
  async stop(): Promise<ProcessExit> {
    if (!this.running && (!this.processGroup || this.exit !== null)) return this.exited;
    this.stopping ??= (async () => {
      this.child.stdin?.end();
      if (this.stdinCloseGraceMs > 0) {
        const timer = setTimeout(() => this.signal('SIGTERM'), this.stdinCloseGraceMs);
        timer.unref();
        void this.exited.then(() => clearTimeout(timer));
      } else {
        this.signal('SIGTERM');
      }
      const timer = setTimeout(() => this.signal('SIGKILL'), this.stdinCloseGraceMs + this.killGraceMs);
      timer.unref();
      const exit = await this.exited;
      clearTimeout(timer);
      // The wrapper is gone; a child it left in the group must not outlive it.
      if (this.processGroup) this.signal('SIGKILL', true);
      return exit;
    })();
    return this.stopping;
  }

  private stopping: Promise<ProcessExit> | null = null;

  private signal(sig: NodeJS.Signals, evenIfExited = false): void {
    // A group is signalled until its pipes closed: the wrapper may be gone while its child still holds them.
    if (!evenIfExited && (this.processGroup ? this.exit !== null : !this.running)) return;
    const pid = this.child.pid;
    try {
      if (this.processGroup && pid !== undefined) process.kill(-pid, sig);
      else this.child.kill(sig);
    } catch {
      // already gone
    }
  }

  /** One line for error details: exit code or signal, plus the stderr tail. */
  describeExit(exit: ProcessExit): string {
    const how = exit.spawnError ?? (exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`);
    return this.stderr ? `${how}: ${this.stderr}` : how;
  }
}

function stripUndefined(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}
