// Test helpers for the server: an in-process server on a temp home, an HTTP client, a scripted machine
// (stands in for the daemon), a phone events socket, and `baton server` as a child process for kill tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WebSocket } from 'ws';
import { isDeepStrictEqual } from 'node:util';
import {
  PROTOCOL_VERSION, parsePhoneDown, routeRequest, type MachineCapabilities, type MachineDown, type PhoneDown, type RouteArgs, type RouteName,
} from '../../src/core/index.ts';
import { startServer, type RunningServer, type ServerAdmin, type ServerOptions } from '../../src/server/index.ts';
import { databaseArgs, databaseFor } from './test-database.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** Polls `check` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(check: () => T | Promise<T>, what = 'condition', timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function tempHome(prefix = 'baton-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface ApiResponse<T = any> {
  readonly status: number;
  readonly body: T;
}

/** What a route answers, or the refusal's `{error}` when it refused (tests look at both). */
// The body stays loose: a test reads the answer or the refusal `{error}` alike.
export type RouteAnswer<_N extends RouteName> = any;

/**
 * A tiny JSON client. Tests call the server by route name (`route('getSession', { id })`, the route table's own
 * request builder); `call`/`get`/`post`/… with a hand-written path are for tests of the raw HTTP surface, and `raw`
 * sends a body string as is (for malformed-input tests).
 */
export function apiClient(baseUrl: string, token: string | null) {
  async function call<T = any>(method: string, path: string, body?: unknown, raw?: string): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${baseUrl}${path}`, { method, headers, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }
  return {
    call,
    /** A route of the table by name (src/core/routes.ts): path, params and body typed; the answer as it came (any status). */
    route: <N extends RouteName>(name: N, ...args: RouteArgs<N>): Promise<ApiResponse<RouteAnswer<N>>> => {
      const req = routeRequest(name, ...args);
      return call(req.method, req.path, undefined, req.body ?? undefined);
    },
    get: <T = any>(path: string) => call<T>('GET', path),
    post: <T = any>(path: string, body?: unknown) => call<T>('POST', path, body ?? {}),
    put: <T = any>(path: string, body: unknown) => call<T>('PUT', path, body),
    patch: <T = any>(path: string, body: unknown) => call<T>('PATCH', path, body),
    delete: <T = any>(path: string) => call<T>('DELETE', path),
  };
}
export type ApiClient = ReturnType<typeof apiClient>;

/** Every backend installed and able to resume, as a healthy daemon would report. */
export function allCapabilities(): MachineCapabilities {
  const cap = { installed: true, version: '1.0.0', canResume: true, detail: null };
  return { 'claude-stream': cap, 'codex-app-server': cap, 'codex-mcp': { ...cap, canResume: false }, 'opencode-serve': cap, 'gemini-acp': cap };
}

type SessionReport = { sessionId: string; vendorResumeId: string | null; running: boolean; delivered?: string[] };

/** A socket that records every frame and lets a test await the next one of a kind. */
class Recorder<M extends { type: string }> {
  readonly received: M[] = [];
  private readonly taken = new Set<number>();
  /** Frames that failed `check`, with why (a test can assert there are none). */
  readonly invalid: string[] = [];
  constructor(readonly ws: WebSocket, check?: (text: string) => string | null) {
    ws.on('message', (d) => {
      const text = d.toString();
      const why = check?.(text);
      if (why) this.invalid.push(why);
      this.received.push(JSON.parse(text) as M);
    });
  }
  /** The oldest frame of this type that matches and no earlier `next` returned (waits for it). */
  async next<T extends M['type']>(type: T, match: (m: Extract<M, { type: T }>) => boolean = () => true, timeoutMs = 10_000): Promise<Extract<M, { type: T }>> {
    return waitFor(() => {
      for (let i = 0; i < this.received.length; i++) {
        const m = this.received[i]!;
        if (!this.taken.has(i) && m.type === type && match(m as Extract<M, { type: T }>)) {
          this.taken.add(i);
          return m as Extract<M, { type: T }>;
        }
      }
      return undefined;
    }, `a "${type}" frame`, timeoutMs);
  }
  all<T extends M['type']>(type: T): Extract<M, { type: T }>[] {
    return this.received.filter((m) => m.type === type) as Extract<M, { type: T }>[];
  }
}

export interface ScriptedMachineOptions {
  readonly name?: string;
  readonly capabilities?: MachineCapabilities;
  readonly sessions?: SessionReport[];
  readonly protocol?: number;
  /** Answers every `history-request` at once with what this returns (a page, or a typed failure). */
  readonly history?: (req: Extract<MachineDown, { type: 'history-request' }>) => Record<string, unknown>;
}

/** Plays the daemon's side of /api/machine, one explicit step at a time. */
export class ScriptedMachine {
  private rec: Recorder<MachineDown> | null = null;
  private closed: Promise<{ code: number }> | null = null;
  constructor(readonly baseUrl: string, readonly token: string, readonly machineId: string) {}

  get received(): MachineDown[] {
    return this.rec?.received ?? [];
  }
  get connected(): boolean {
    return this.rec?.ws.readyState === WebSocket.OPEN;
  }
  /** The socket itself (tests that stop reading it, as a hung daemon would). */
  get socket(): WebSocket | null {
    return this.rec?.ws ?? null;
  }

  /** Opens the socket and sends hello; resolves with `welcome`. */
  async connect(opts: ScriptedMachineOptions = {}): Promise<Extract<MachineDown, { type: 'welcome' }>> {
    const ws = await openSocket(`${this.baseUrl.replace(/^http/, 'ws')}/api/machine`);
    this.rec = new Recorder<MachineDown>(ws);
    this.closed = new Promise((r) => ws.on('close', (code) => r({ code })));
    const history = opts.history;
    if (history) {
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString()) as MachineDown;
        if (m.type === 'history-request') ws.send(JSON.stringify({ type: 'history', requestId: m.requestId, ...history(m) }));
      });
    }
    ws.send(JSON.stringify({
      type: 'hello', protocol: opts.protocol ?? PROTOCOL_VERSION, token: this.token, name: opts.name ?? 'laptop',
      capabilities: opts.capabilities ?? allCapabilities(), sessions: opts.sessions ?? [],
    }));
    // A refused hello closes the socket: fail at once with the server's reason instead of timing out.
    const refused = this.closed.then(({ code }) => {
      const err = this.rec?.received.find((m) => m.type === 'error') as { message?: string } | undefined;
      throw new Error(`machine socket closed (${code}) before welcome: ${err?.message ?? 'no reason given'}`);
    });
    refused.catch(() => {});
    return Promise.race([this.next('welcome'), refused]);
  }
  next<T extends MachineDown['type']>(type: T, match?: (m: Extract<MachineDown, { type: T }>) => boolean, timeoutMs?: number) {
    if (!this.rec) throw new Error('not connected');
    return this.rec.next(type, match, timeoutMs);
  }
  all<T extends MachineDown['type']>(type: T) {
    return this.rec?.all(type) ?? [];
  }
  /** Any frame, valid or not (typed loosely on purpose: tests send bad frames too). */
  send(msg: Record<string, unknown>): void {
    if (!this.rec) throw new Error('not connected');
    this.rec.ws.send(JSON.stringify(msg));
  }
  heartbeat(): void {
    this.send({ type: 'heartbeat' });
  }
  resumed(attemptId: string, sessionId: string, vendorResumeId: string): void {
    this.send({ type: 'resume-result', attemptId, sessionId, ok: true, vendorResumeId });
  }
  resumeFailed(attemptId: string, sessionId: string, code: string, detail = 'scripted failure'): void {
    this.send({ type: 'resume-result', attemptId, sessionId, ok: false, code, detail });
  }
  started(requestId: string, sessionId: string, vendorId: string): void {
    this.send({ type: 'started', requestId, sessionId, vendorId });
  }
  resumable(sessionId: string, vendorResumeId: string): void {
    this.send({ type: 'resumable', sessionId, vendorResumeId });
  }
  ack(sessionId: string, messageId: string): void {
    this.send({ type: 'ack', sessionId, messageId });
  }
  event(sessionId: string, eventId: string, event: Record<string, unknown>): void {
    this.send({ type: 'agent-event', sessionId, eventId, event });
  }
  stopped(sessionId: string, reason: 'requested' | 'exited' | 'crashed' = 'exited', detail: string | null = null): void {
    this.send({ type: 'stopped', sessionId, reason, detail });
  }
  /** Answers the next `start` with `started` and marks the session resumable under `vendorId`. */
  async startNext(vendorId: string): Promise<Extract<MachineDown, { type: 'start' }>> {
    const start = await this.next('start');
    this.started(start.requestId, start.sessionId, vendorId);
    this.resumable(start.sessionId, vendorId);
    return start;
  }
  /** Closes cleanly and waits until the socket is closed. */
  async disconnect(): Promise<void> {
    if (!this.rec) return;
    this.rec.ws.close();
    await this.closed;
    this.rec = null;
  }
  /** Drops the TCP connection without a close frame (a crashed daemon or lost network). */
  async terminate(): Promise<void> {
    if (!this.rec) return;
    this.rec.ws.terminate();
    await this.closed;
    this.rec = null;
  }
  /** Resolves with the close code once the server closes the socket. */
  async waitClosed(): Promise<number> {
    if (!this.closed) throw new Error('not connected');
    return (await this.closed).code;
  }
}

/** A phone (or CLI, or share viewer) on /api/events. */
export async function openPhoneSocket(baseUrl: string, hello: { token?: string; shareToken?: string }) {
  const ws = await openSocket(`${baseUrl.replace(/^http/, 'ws')}/api/events`);
  // Every frame the real server sends is held to the schema the app, the viewer and the CLI check it with, and must
  // pass whole (a field the schema does not know would be dropped on arrival without a word).
  const rec = new Recorder<PhoneDown>(ws, (text) => {
    const r = parsePhoneDown(text);
    if (!r.ok) return r.why;
    return isDeepStrictEqual(r.frame, JSON.parse(text)) ? null : `a "${r.frame.type}" frame with fields the schema drops: ${text.slice(0, 500)}`;
  });
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
  ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, ...hello }));
  return {
    received: rec.received,
    /** Frames that do not match `PhoneDownSchema` (always empty unless the server has a bug). */
    invalid: rec.invalid,
    next: rec.next.bind(rec),
    all: rec.all.bind(rec),
    closed,
    /** Any frame (a `foreground` frame, say); `ping` after it and await the pong to know it was applied. */
    send: (frame: Record<string, unknown>) => ws.send(JSON.stringify(frame)),
    close: () => ws.close(),
    /** The socket itself (tests that stop reading it, as a phone on a dead network would). */
    ws,
  };
}
export type PhoneSocket = Awaited<ReturnType<typeof openPhoneSocket>>;

function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolvePromise, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolvePromise(ws));
    ws.once('error', reject);
  });
}

export interface TestServer {
  readonly home: string;
  readonly url: string;
  readonly server: RunningServer;
  readonly admin: ServerAdmin;
  readonly accountId: string;
  readonly phoneToken: string;
  /** HTTP client authenticated as the phone. */
  readonly phone: ApiClient;
  /** A new machine device (token + machine row) on the account, not yet connected. */
  machine(name?: string): ScriptedMachine;
  /** What the server logged so far (unless the test passed its own `log`). */
  logs(): readonly string[];
  stop(): Promise<void>;
}

/** Starts a server in-process on a temp home (port 0, short timeouts) with one account and a paired phone. */
export async function startTestServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const home = options.home ?? tempHome();
  const logs: string[] = [];
  const server = await startServer({ port: 0, resumeTimeoutMs: 5_000, heartbeatTimeoutMs: 6_000, log: (l) => logs.push(l), ...databaseFor(home), ...options, home });
  const accountId = server.admin.defaultAccount();
  const phone = server.admin.issueToken(accountId, 'phone', 'phone');
  return {
    home,
    url: server.url,
    server,
    admin: server.admin,
    accountId,
    phoneToken: phone.token,
    phone: apiClient(server.url, phone.token),
    machine(name = 'laptop') {
      const issued = server.admin.issueToken(accountId, 'machine', name);
      return new ScriptedMachine(server.url, issued.token, issued.machineId!);
    },
    logs: () => logs,
    async stop() {
      await server.stop();
      if (!options.home) rmSync(home, { recursive: true, force: true });
    },
  };
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly pid: number;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs `baton server --port 0 --home <home>` as a child and waits until its server.json names it. */
export async function startServerProcess(home: string, args: string[] = [], env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/baton.mjs'), 'server', '--port', '0', '--home', home, ...databaseArgs(home), ...args], {
    cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const info = await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`baton server exited early:\n${out}`);
    const path = join(home, 'server.json');
    if (!existsSync(path)) return null;
    try {
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as { url: string; pid: number };
      return parsed.pid === child.pid ? parsed : null; // a killed predecessor's file does not count
    } catch {
      return null;
    }
  }, 'baton server to listen', 20_000);
  return {
    child,
    url: info.url,
    pid: info.pid,
    output: () => out,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
