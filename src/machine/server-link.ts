// The daemon's WebSocket to <server>/api/machine: hello, heartbeats, reconnect with backoff, every
// incoming frame validated, and a durable outbox flushed in order once the server welcomed us.
// A queued frame leaves the outbox only once the server has applied it: each ping carries the highest
// outbox seq written before it, and the server answers pings only after it handled the frames before
// them (one socket, in order, applied synchronously). A frame the socket wrote but the server never read
// (the connection died with it in flight) is sent again on the next connection; the server dedupes.
import * as v from 'valibot';
import WebSocket from 'ws';
import { MachineDownSchema, type MachineDown, type MachineUp } from '../core/index.ts';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import type { DaemonStore } from './daemon-store.ts';
import type { Logger } from './logger.ts';

export type LinkState = 'connecting' | 'ready' | 'offline' | 'stopped';

export interface ServerLinkOptions {
  /** The server's base URL (http or https); the socket goes to /api/machine on it. */
  readonly serverUrl: string;
  /** Builds the hello frame afresh for each connection (sessions and capabilities change). */
  readonly hello: () => Promise<Extract<MachineUp, { type: 'hello' }>>;
  readonly onFrame: (frame: MachineDown) => void;
  /** Called once the server welcomed us (after the outbox was flushed). */
  readonly onReady?: (machineId: string) => void;
  /** The server refused us for good (bad token, protocol); reconnecting will not help. */
  readonly onFatal?: (reason: string) => void;
  readonly store: DaemonStore;
  readonly log: Logger;
  readonly heartbeatMs?: number;
  readonly welcomeTimeoutMs?: number;
  readonly backoff?: BackoffOptions;
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
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/api/machine`;
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

  let confirmScheduled = false;

  function flush(): void {
    if (state !== 'ready' || !ws) return;
    const sock = ws;
    let wrote = false;
    for (const q of o.store.outbox(handedThrough)) {
      handedThrough = q.seq;
      sock.send(JSON.stringify(q.frame));
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
    let hello: Extract<MachineUp, { type: 'hello' }>;
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
      sock.send(JSON.stringify(hello));
      welcomeTimer = setTimeout(() => {
        o.log.warn('no welcome from the server; reconnecting');
        sock.terminate();
      }, o.welcomeTimeoutMs ?? 10_000);
    });
    sock.on('message', (data) => onMessage(sock, data.toString()));
    sock.on('pong', (data) => {
      missedPongs = 0;
      const through = Number(data.toString());
      if (Number.isSafeInteger(through) && through > 0) o.store.dropThrough(through);
    });
    sock.on('error', (e) => o.log.warn(`server link: ${e.message}`));
    sock.on('close', (code, reasonBuf) => {
      if (ws !== sock) return;
      ws = null;
      clearTimers();
      const reason = reasonBuf.toString();
      if (state === 'stopped') return;
      if (code === 4401 || code === 4400) {
        state = 'offline';
        o.log.error(`server refused this machine (${code}${reason ? `: ${reason}` : ''})`);
        o.onFatal?.(code === 4401 ? `the server refused this machine's token${reason ? ` (${reason})` : ''}; pair it again` : `protocol mismatch${reason ? ` (${reason})` : ''}`);
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
        sock.send(JSON.stringify({ type: 'heartbeat' } satisfies MachineUp));
        ping(sock);
      }, heartbeatMs);
      flush();
      o.onReady?.(frame.machineId);
      return;
    }
    if (frame.type === 'error') {
      o.log.warn(`server error ${frame.code}: ${frame.message}`);
      return;
    }
    if (state !== 'ready') return; // nothing but welcome/error counts before the welcome
    o.onFrame(frame);
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
          sock.close(1000, 'daemon stopping');
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
      if (state === 'ready' && ws) ws.send(JSON.stringify(frame));
    },
    state: () => state,
    machineId: () => machineId,
  };
}
