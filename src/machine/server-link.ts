// The daemon's WebSocket to <server>/api/machine: hello, heartbeats, reconnect with backoff, every
// incoming frame validated, and a durable outbox flushed in order once the server welcomed us.
// A queued frame leaves the outbox only once the server has applied it: each ping carries the highest
// outbox seq written before it, and the server answers pings only after it handled the frames before
// them (one socket, in order, applied synchronously). A frame the socket wrote but the server never read
// (the connection died with it in flight) is sent again on the next connection; the server dedupes.
// A frame the server could not store (disk full, a bug) is named by its place on the socket in an
// `apply-failed` error; the server then confirms nothing more and closes, and the daemon sends it again
// after a growing delay. One that keeps failing (PARK_AFTER) is parked so the frames behind it flow.
import * as v from 'valibot';
import WebSocket from 'ws';
import { CloseCode, CloseReason, MachineDownSchema, SOCKET_PATHS, SocketError, type MachineDown, type MachineUp } from '../core/index.ts';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import type { DaemonStore } from './daemon-store.ts';
import type { Logger } from './logger.ts';

export type LinkState = 'connecting' | 'ready' | 'offline' | 'stopped';

type Hello = Extract<MachineUp, { type: 'hello' }>;
/** A hello and the `session-reports` pages that complete it (sent right after it). */
export interface HelloFrames {
  readonly hello: Hello;
  readonly pages: readonly MachineUp[];
}

/** A frame the server failed to store this often, over at least this long, is parked (docs/api.md). */
export const PARK_AFTER = { failures: 5, ms: 10 * 60_000 } as const;

export interface ServerLinkOptions {
  /** The server's base URL (http or https); the socket goes to /api/machine on it. */
  readonly serverUrl: string;
  /** Builds the hello (and its pages) afresh for each connection (sessions and capabilities change). */
  readonly hello: () => Promise<HelloFrames>;
  /** Each command after the welcome, as it arrives; a promise it returns that rejects is logged. */
  readonly onFrame: (frame: MachineDown) => void | Promise<void>;
  /** Called once the server welcomed us (after the outbox was flushed). */
  readonly onReady?: (machineId: string) => void;
  /** The server refused us for good (bad token, protocol); reconnecting will not help. */
  readonly onFatal?: (reason: string) => void;
  readonly store: DaemonStore;
  readonly log: Logger;
  readonly heartbeatMs?: number;
  readonly welcomeTimeoutMs?: number;
  readonly backoff?: BackoffOptions;
  /** When a frame the server keeps failing to store is given up on (tests shorten it). */
  readonly parkAfter?: { readonly failures: number; readonly ms: number };
  readonly now?: () => number;
}

export interface ServerLink {
  start(): void;
  stop(): Promise<void>;
  /** Queue a frame durably; sent now if connected, else flushed in order after the next welcome. */
  sendDurable(frame: MachineUp): void;
  /** Send now if connected, else drop (heartbeats, listings that are rebuilt on reconnect). */
  sendVolatile(frame: MachineUp): void;
  state(): LinkState;
  machineId(): string | null;
}

export function machineSocketUrl(serverUrl: string): string {
  const u = new URL(serverUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = `${u.pathname.replace(/\/+$/, '')}${SOCKET_PATHS.machine}`;
  u.search = '';
  u.hash = '';
  return u.toString();
}

export function createServerLink(o: ServerLinkOptions): ServerLink {
  const heartbeatMs = o.heartbeatMs ?? 2_000;
  const backoff = o.backoff ?? { baseMs: 250, maxMs: 10_000 };
  let state: LinkState = 'offline';
  let ws: WebSocket | null = null;
  let attempt = 0;
  let reconnectTimer: NodeJS.Timeout | null = null;
  let heartbeatTimer: NodeJS.Timeout | null = null;
  let welcomeTimer: NodeJS.Timeout | null = null;
  let missedPongs = 0;
  let machineId: string | null = null;
  /** Highest outbox seq handed to the current socket (each connection resends from the start). */
  let handedThrough = 0;
  /** Frames written on the current socket after its hello, and which outbox seq each durable one was. */
  let written = 0;
  const seqAt = new Map<number, number>();
  /** Connections in a row that ended in a frame the server could not store: the reconnect delay grows with it. */
  let applyFailures = 0;
  const parkAfter = o.parkAfter ?? PARK_AFTER;
  const now = o.now ?? Date.now;

  function write(sock: WebSocket, frame: MachineUp, seq?: number): void {
    written++;
    if (seq !== undefined) seqAt.set(written, seq);
    sock.send(JSON.stringify(frame));
  }

  let confirmScheduled = false;

  function flush(): void {
    if (state !== 'ready' || !ws) return;
    const sock = ws;
    let wrote = false;
    for (const q of o.store.outbox(handedThrough)) {
      handedThrough = q.seq;
      write(sock, q.frame, q.seq);
      wrote = true;
    }
    // Ask for confirmation soon (once per burst) rather than at the next heartbeat, so the outbox stays short
    // and a reconnect repeats as little as possible.
    if (wrote && !confirmScheduled) {
      confirmScheduled = true;
      setImmediate(() => {
        confirmScheduled = false;
        if (ws === sock && state === 'ready') ping(sock);
      });
    }
  }

  /** A ping whose payload is the highest outbox seq written before it; its pong confirms them all. */
  function ping(sock: WebSocket): void {
    sock.ping(String(handedThrough));
  }

  function clearTimers(): void {
    if (heartbeatTimer) clearInterval(heartbeatTimer);
    if (welcomeTimer) clearTimeout(welcomeTimer);
    heartbeatTimer = welcomeTimer = null;
  }

  function scheduleReconnect(): void {
    if (state === 'stopped' || reconnectTimer) return;
    state = 'offline';
    attempt = Math.max(attempt, applyFailures);
    const delay = backoffDelay(attempt++, backoff);
    o.log.info(`reconnecting in ${delay} ms`);
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      void connect();
    }, delay);
  }

  async function connect(): Promise<void> {
    if (state === 'stopped') return;
    state = 'connecting';
    handedThrough = 0;
    written = 0;
    seqAt.clear();
    let hello: HelloFrames;
    try {
      hello = await o.hello();
    } catch (e) {
      o.log.error(`could not build hello: ${String(e)}`);
      return scheduleReconnect();
    }
    if ((state as LinkState) === 'stopped') return; // stop() may have run while hello was built
    const sock = new WebSocket(machineSocketUrl(o.serverUrl), { handshakeTimeout: 10_000 });
    ws = sock;
    sock.on('open', () => {
      sock.send(JSON.stringify(hello.hello));
      for (const page of hello.pages) write(sock, page);
      welcomeTimer = setTimeout(() => {
        o.log.warn('no welcome from the server; reconnecting');
        sock.terminate();
      }, o.welcomeTimeoutMs ?? 10_000);
    });
    sock.on('message', (data) => onMessage(sock, data.toString()));
    sock.on('pong', (data) => {
      missedPongs = 0;
      const through = Number(data.toString());
      if (Number.isSafeInteger(through) && through > 0) {
        o.store.dropThrough(through);
        for (const [n, seq] of seqAt) if (seq <= through) seqAt.delete(n);
        if (ws === sock) applyFailures = 0; // the server stores what we send again
      }
    });
    sock.on('error', (e) => o.log.warn(`server link: ${e.message}`));
    sock.on('close', (code, reasonBuf) => {
      if (ws !== sock) return;
      ws = null;
      clearTimers();
      const reason = reasonBuf.toString();
      if (state === 'stopped') return;
      // Unknown or revoked token; a token of another kind (a phone's, a terminal's); a protocol mismatch.
      if (code === CloseCode.unauthorized || code === CloseCode.forbidden || code === CloseCode.badHello) {
        state = 'offline';
        o.log.error(`server refused this machine (${code}${reason ? `: ${reason}` : ''})`);
        o.onFatal?.(code !== CloseCode.badHello ? `the server refused this machine's token${reason ? ` (${reason})` : ''}; pair it again` : `protocol mismatch${reason ? ` (${reason})` : ''}`);
        return;
      }
      o.log.info(`disconnected (${code})`);
      scheduleReconnect();
    });
  }

  function onMessage(sock: WebSocket, text: string): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      o.log.warn('ignored a frame that is not JSON');
      return;
    }
    const parsed = v.safeParse(MachineDownSchema, json);
    if (!parsed.success) {
      o.log.warn(`ignored an invalid frame: ${parsed.issues.map((i) => i.message).join('; ')}`);
      return;
    }
    const frame = parsed.output;
    if (frame.type === 'welcome') {
      if (welcomeTimer) clearTimeout(welcomeTimer);
      welcomeTimer = null;
      state = 'ready';
      attempt = 0;
      machineId = frame.machineId;
      missedPongs = 0;
      heartbeatTimer = setInterval(() => {
        if (missedPongs++ >= 3) {
          o.log.warn('server stopped answering; reconnecting');
          sock.terminate();
          return;
        }
        write(sock, { type: 'heartbeat' });
        ping(sock);
      }, heartbeatMs);
      flush();
      o.onReady?.(frame.machineId);
      return;
    }
    if (frame.type === 'error') {
      if (frame.code === SocketError.applyFailed) return onApplyFailed(frame.frame, frame.message);
      o.log.warn(`server error ${frame.code}: ${frame.message}`);
      return;
    }
    if (state !== 'ready') return; // nothing but welcome/error counts before the welcome
    const handled = o.onFrame(frame);
    if (handled instanceof Promise) handled.catch((e: unknown) => o.log.error(`handling ${frame.type}: ${String(e)}`));
  }

  /** The server could not store frame number `n` of this socket and will close it: count it, park it if it keeps failing. */
  function onApplyFailed(n: number | undefined, message: string): void {
    applyFailures++;
    const seq = n === undefined ? undefined : seqAt.get(n);
    o.log.warn(`the server could not store ${seq === undefined ? 'what this machine reported' : `queued frame ${seq}`}: ${message}; sending it again later`);
    if (seq === undefined) return;
    const at = now();
    const failed = o.store.noteFailure(seq, at, message);
    if (failed && failed.failures >= parkAfter.failures && at - failed.firstFailedAt >= parkAfter.ms) {
      o.store.park(seq, at);
      o.log.error(`gave up on queued frame ${seq} after ${failed.failures} failures since ${new Date(failed.firstFailedAt).toISOString()}: ${message} (parked; baton doctor counts them)`);
    }
  }

  return {
    start() {
      if (state !== 'offline') return;
      void connect();
    },
    async stop() {
      state = 'stopped';
      clearTimers();
      if (reconnectTimer) clearTimeout(reconnectTimer);
      reconnectTimer = null;
      const sock = ws;
      ws = null;
      if (sock && sock.readyState !== WebSocket.CLOSED) {
        await new Promise<void>((resolve) => {
          sock.once('close', () => resolve());
          sock.close(CloseCode.normal, CloseReason.daemonStopping);
          setTimeout(() => {
            sock.terminate();
            resolve();
          }, 1_000).unref();
        });
      }
    },
    sendDurable(frame) {
      o.store.enqueue(frame);
      flush();
    },
    sendVolatile(frame) {
      if (state === 'ready' && ws) write(ws, frame);
    },
    state: () => state,
    machineId: () => machineId,
  };
}
