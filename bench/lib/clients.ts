// Light clients for benchmarks: a phone events socket, a scripted machine that answers on its own, and an HTTP helper.
// (The test harness records every frame for assertions; at 1,000 sockets and thousands of frames that costs too much.)
import { request as httpRequest } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { WebSocket } from 'ws';
import {
  PROTOCOL_VERSION, SOCKET_PATHS, routeRequest, type MachineDown, type PhoneDown, type RouteArgs, type RouteName, type RouteResponse,
} from '../../src/core/index.ts';

export const now = (): number => performance.now();

function open(url: string, deflate = false): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    // A browser always offers permessage-deflate; the server decides (bench/socket-deflate.ts offers it too).
    const ws = new WebSocket(url, { perMessageDeflate: deflate });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

export interface Phone {
  readonly ws: WebSocket;
  readonly cursor: number;
  close(): void;
}

/** Opens /api/events, says hello with a device token, resolves at `welcome`; `onFrame` sees every later frame. */
export async function connectPhone(baseUrl: string, token: string, onFrame?: (frame: PhoneDown, at: number) => void, opts: { deflate?: boolean } = {}): Promise<Phone> {
  const ws = await open(`${baseUrl.replace(/^http/, 'ws')}${SOCKET_PATHS.events}`, opts.deflate);
  const cursor = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no welcome within 10 s')), 10_000);
    ws.on('message', (data) => {
      const at = now();
      const frame = JSON.parse(data.toString()) as PhoneDown;
      if (frame.type === 'welcome') {
        clearTimeout(timer);
        resolve(frame.cursor);
      } else if (frame.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`refused: ${frame.message}`));
      } else onFrame?.(frame, at);
    });
    ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, token }));
  });
  return { ws, cursor, close: () => ws.terminate() };
}

type Down<T extends MachineDown['type']> = Extract<MachineDown, { type: T }>;

/** Plays the daemon's side of /api/machine; by default answers every `start` as a healthy daemon would. */
export class BenchMachine {
  ws: WebSocket | null = null;
  machineId = '';
  private handlers = new Map<string, (m: any, at: number) => void>();
  private heartbeat: NodeJS.Timeout | null = null;
  private vendorSeq = 0;
  /** Starts answered so far, and the last one (the socket is FIFO: once it is applied, all earlier ones are). */
  started = 0;
  lastStarted = '';

  constructor(readonly baseUrl: string, readonly token: string) {
    this.on('start', (m) => {
      const vendorId = `00000000-0000-4000-8000-${String(++this.vendorSeq).padStart(12, '0')}`;
      this.send({ type: 'started', requestId: m.requestId, sessionId: m.sessionId, vendorId });
      this.send({ type: 'resumable', sessionId: m.sessionId, vendorResumeId: vendorId });
      this.started++;
      this.lastStarted = m.sessionId;
    });
  }

  on<T extends MachineDown['type']>(type: T, handler: (m: Down<T>, at: number) => void): void {
    this.handlers.set(type, handler);
  }

  async connect(sessions: Array<{ sessionId: string; vendorResumeId: string | null; running: boolean }> = []): Promise<void> {
    const cap = { installed: true, version: '1.0.0', canResume: true, detail: null };
    const ws = await open(`${this.baseUrl.replace(/^http/, 'ws')}${SOCKET_PATHS.machine}`);
    this.ws = ws;
    const welcome = new Promise<void>((resolve, reject) => {
      ws.once('close', (code) => reject(new Error(`machine socket closed (${code})`)));
      ws.on('message', (data) => {
        const at = now();
        const m = JSON.parse(data.toString()) as MachineDown;
        if (m.type === 'welcome') {
          this.machineId = m.machineId;
          resolve();
        } else if (m.type === 'error') process.stderr.write(`[machine] server error: ${m.message}\n`);
        this.handlers.get(m.type)?.(m, at);
      });
    });
    ws.send(JSON.stringify({
      type: 'hello', protocol: PROTOCOL_VERSION, token: this.token, name: 'laptop', sessions,
      capabilities: { 'claude-stream': cap, 'codex-app-server': cap, 'codex-mcp': { ...cap, canResume: false }, 'opencode-serve': cap, 'gemini-acp': cap },
    }));
    await welcome;
    this.heartbeat = setInterval(() => this.send({ type: 'heartbeat' }), 2_000);
  }

  send(msg: Record<string, unknown>): void {
    this.ws?.send(JSON.stringify(msg));
  }

  close(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.ws?.terminate();
    this.ws = null;
  }
}

export interface RawResponse<T = any> {
  readonly status: number;
  readonly bytes: number;
  readonly ms: number;
  readonly body: T;
}

/** A route of the table (src/core/routes.ts) as JSON over HTTP, with the raw body size and the time to the last byte. */
export function http(baseUrl: string, token: string) {
  async function call<T = any>(method: string, path: string, body: string | null): Promise<RawResponse<T>> {
    const t0 = now();
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === null ? {} : { 'content-type': 'application/json' }) },
      ...(body === null ? {} : { body }),
    });
    const buf = Buffer.from(await res.arrayBuffer());
    const ms = now() - t0;
    const text = buf.toString('utf8');
    const parsed = text ? JSON.parse(text) : null;
    if (res.status >= 400) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 300)}`);
    return { status: res.status, bytes: buf.length, ms, body: parsed as T };
  }
  return {
    route<N extends RouteName>(name: N, ...args: RouteArgs<N>): Promise<RawResponse<RouteResponse<N>>> {
      const req = routeRequest(name, ...args);
      return call(req.method, req.path, req.body);
    },
  };
}
export type Http = ReturnType<typeof http>;

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  }));
}

/** Polls `check` every `everyMs` until truthy; throws after `timeoutMs` (bounded waits only). */
export async function until<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000, everyMs = 2): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Waits until `api`'s server lists the machine online. A machine connected to another instance of a cluster gets its
 * welcome before that instance committed its hello (lease, online), so a start sent at once could find it offline.
 */
export async function onlineThrough(api: Http, machineId: string): Promise<void> {
  await until(async () => (await api.route('listMachines')).body.machines.find((m) => m.id === machineId)?.online, 'the machine to be online through the other instance', 10_000, 5);
}

/** Creates `n` managed sessions (startSession); the scripted machine answers each start. */
export async function createSessions(api: Http, machine: BenchMachine, n: number, concurrency = 16, title = (i: number) => `Session ${i}`): Promise<string[]> {
  const ids: string[] = new Array(n);
  await pool(Array.from({ length: n }, (_, i) => i), concurrency, async (i) => {
    const res = await api.route('startSession', { body: { machineId: machine.machineId, provider: 'claude', backend: 'claude-stream', cwd: `/home/dev/project-${i % 40}`, title: title(i) } });
    ids[i] = res.body.session.id;
  });
  // Wait until the server applied the machine's last answer (FIFO socket: then it applied all of them).
  await until(async () => machine.started >= n && (await api.route('getSession', { id: machine.lastStarted })).body.session.vendorResumeId, 'the machine to answer every start', 120_000, 20);
  return ids;
}

export interface WireResponse<T = any> {
  readonly status: number;
  /** Everything read from the socket for this response: status line, headers and the (compressed) body. */
  readonly wireBytes: number;
  /** The body as sent (compressed when the server compressed it). */
  readonly bodyBytes: number;
  /** The body once decoded. */
  readonly rawBytes: number;
  readonly encoding: string | null;
  readonly ms: number;
  readonly body: T;
}

/**
 * GET on a socket of its own, accepting br and gzip as a browser does, counting what crossed the wire.
 * (fetch would hide the compressed size and share sockets.)
 */
export function wireGet<T = any>(baseUrl: string, token: string, path: string, acceptEncoding = 'gzip, deflate, br'): Promise<WireResponse<T>> {
  const t0 = now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${baseUrl}${path}`, { agent: false, headers: { authorization: `Bearer ${token}`, 'accept-encoding': acceptEncoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const encoding = (res.headers['content-encoding'] as string | undefined) ?? null;
        const raw = encoding === 'br' ? brotliDecompressSync(body) : encoding === 'gzip' ? gunzipSync(body) : body;
        const text = raw.toString('utf8');
        if ((res.statusCode ?? 0) >= 400) return reject(new Error(`GET ${path} → ${res.statusCode} ${text.slice(0, 300)}`));
        resolve({ status: res.statusCode!, wireBytes: res.socket.bytesRead, bodyBytes: body.length, rawBytes: raw.length, encoding, ms: now() - t0, body: JSON.parse(text) as T });
      });
    });
    req.on('error', reject);
    req.end();
  });
}
