// The machine socket (/api/machine): hello with a machine token (its session reports possibly paged),
// heartbeats, routing frames both ways, and confirming only what was stored: the daemon's pings are
// answered by hand, in order after the frames before them, and never after a frame that failed.
import type { WebSocket } from 'ws';
import { CloseCode, CloseReason, MachineUpSchema, PROTOCOL_VERSION, SocketError, SESSION_REPORTS_MAX, parseInput, type MachineDown, type MachineUp } from '../../core/index.ts';
import { lookupToken } from '../auth.ts';
import type { MachineLink, ServerContext } from '../context.ts';
import type { HistoryService } from '../orchestrator/history.ts';
import type { MachineEvents } from '../orchestrator/sessions.ts';

const HELLO_TIMEOUT_MS = 5_000;
/**
 * Frames whose loss costs nothing: rebuilt and sent again by the daemon (listings, capabilities, answers).
 * A failure to apply one is reported but does not stop the link.
 */
const VOLATILE = new Set<MachineUp['type']>(['direct-sessions', 'capabilities', 'history']);

type Hello = Extract<MachineUp, { type: 'hello' }>;

interface Conn {
  readonly ws: WebSocket;
  machineId: string | null;
  deviceId: string | null;
  lastFrameAt: number;
  timer: NodeJS.Timeout | null;
  /** Frames received after the hello, counted as the daemon counts what it writes, so a failure can name one. */
  frames: number;
  /** Set once a frame could not be applied: nothing after it is applied or confirmed, and the socket closes. */
  failed: boolean;
  /** A hello whose session reports continue in `session-reports` frames; reconciled once the last arrived. */
  pendingHello: Hello | null;
  /** Its token was revoked: nothing it sends is applied or confirmed any more. */
  revoked: boolean;
}

/** After a revocation's close frame, how long the daemon gets to answer it before the socket is cut. */
const REVOKED_GRACE_MS = 1_000;

export interface MachineHub extends MachineLink {
  accept(ws: WebSocket): void;
  /**
   * The machine's socket here is another instance's now (it reconnected there): closed as replaced, without the
   * offline path — the machine is not gone, it moved.
   */
  handOver(machineId: string): void;
  /** The machines whose sockets this instance holds. */
  held(): string[];
  close(): void;
}

export function createMachineHub(ctx: ServerContext, events: MachineEvents, history: HistoryService): MachineHub {
  const current = new Map<string, Conn>();
  const all = new Set<Conn>();
  // Set while the server stops: closing sockets then is not the machines going away (pending resumes survive).
  let closing = false;

  function send(conn: Conn, msg: MachineDown): void {
    if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(JSON.stringify(msg));
  }

  function refuse(conn: Conn, closeCode: CloseCode, code: SocketError, message: string): void {
    send(conn, { type: 'error', code, message });
    conn.ws.close(closeCode, code);
  }

  /** A frame (or the hello's reconcile) could not be stored: say which, confirm nothing more, close. */
  function applyFailed(conn: Conn, what: string, err: unknown, frame?: number): void {
    conn.failed = true;
    ctx.log(`machine ${conn.machineId}: ${what} failed: ${(err as Error).stack ?? err}`);
    send(conn, { type: 'error', code: SocketError.applyFailed, message: `the server could not store ${what}: ${(err as Error).message ?? err}`.slice(0, 2000), ...(frame !== undefined ? { frame } : {}) });
    conn.ws.close(CloseCode.applyFailed, SocketError.applyFailed);
  }

  function arm(conn: Conn, ms: number): void {
    if (conn.timer) clearTimeout(conn.timer);
    // No frame for this long: the daemon (or its network) is gone; closing runs the offline path.
    conn.timer = setTimeout(() => conn.ws.terminate(), ms);
    conn.timer.unref();
  }

  function onFrame(conn: Conn, data: string): void {
    if (conn.failed) return; // after a failure nothing is applied out of order; the daemon sends it all again
    if (conn.revoked) return; // a revoked machine is not heard, not even while its close handshake runs
    conn.lastFrameAt = ctx.now();
    if (conn.machineId) arm(conn, ctx.heartbeatTimeoutMs);
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      if (conn.machineId !== null) conn.frames++;
      return send(conn, { type: 'error', code: SocketError.badFrame, message: 'frames must be JSON' });
    }
    if (conn.machineId === null) return onHello(conn, json);
    const n = ++conn.frames;
    const parsed = parseInput(MachineUpSchema, json);
    // A frame the server cannot read will never apply: refused and (with the next ping) confirmed, so it never blocks the link.
    if (!parsed.ok) return send(conn, { type: 'error', code: SocketError.badFrame, message: parsed.message });
    const msg = parsed.value;
    if (msg.type === 'heartbeat') return;
    if (msg.type === 'hello') return send(conn, { type: 'error', code: SocketError.badFrame, message: 'hello was already received' });
    if (msg.type === 'session-reports') return onReports(conn, msg, n);
    if (conn.pendingHello) return refuse(conn, CloseCode.badHello, SocketError.badHello, 'the hello’s session reports must come right after it');
    if (msg.type === 'history') {
      // Asked through another instance (the phone is there): that one gets the answer.
      if (!history.onAnswer(conn.machineId, msg)) ctx.cluster.relayHistory(conn.machineId, msg);
      return;
    }
    try {
      events.onMessage(conn.machineId, msg);
    } catch (err) {
      if (!VOLATILE.has(msg.type)) return applyFailed(conn, msg.type, err, n);
      ctx.log(`machine ${conn.machineId}: ${msg.type} failed: ${(err as Error).stack ?? err}`);
      send(conn, { type: 'error', code: SocketError.internal, message: `the server could not apply ${msg.type}` });
    }
  }

  function onHello(conn: Conn, json: unknown): void {
    const protocol = (json as { protocol?: unknown } | null)?.protocol;
    if ((json as { type?: unknown } | null)?.type !== 'hello') return refuse(conn, CloseCode.badHello, SocketError.helloExpected, 'the first frame must be hello');
    if (protocol !== PROTOCOL_VERSION) return refuse(conn, CloseCode.badHello, SocketError.protocol, `this server speaks protocol ${PROTOCOL_VERSION}, the daemon sent ${String(protocol)}`);
    const parsed = parseInput(MachineUpSchema, json);
    if (!parsed.ok || parsed.value.type !== 'hello') return refuse(conn, CloseCode.badHello, SocketError.badHello, parsed.ok ? 'bad hello' : parsed.message);
    const hello = parsed.value;
    const found = lookupToken(ctx, hello.token);
    if (found.type === 'revoked' || found.type === 'unknown') {
      return refuse(conn, CloseCode.unauthorized, SocketError.unauthorized, found.type === 'revoked' ? 'this machine’s token was revoked; pair it again' : 'not a machine token');
    }
    // A phone's, a terminal's or a share link's token is valid, but never a machine's (docs/security.md, "Roles").
    if (found.type !== 'device' || found.device.kind !== 'machine' || !found.device.machine_id) {
      return refuse(conn, CloseCode.forbidden, SocketError.forbidden, `a ${found.type === 'share' ? 'share link' : found.device.kind} token cannot speak the machine protocol; pair this machine with \`baton daemon --code CODE\``);
    }
    const machineId = found.device.machine_id;
    const previous = current.get(machineId);
    conn.machineId = machineId;
    conn.deviceId = found.device.id;
    current.set(machineId, conn);
    // A reconnect that beat the old socket's close: the new one takes over; the old one's close changes nothing.
    if (previous && previous !== conn) previous.ws.close(CloseCode.replaced, CloseReason.replaced);
    arm(conn, ctx.heartbeatTimeoutMs);
    send(conn, { type: 'welcome', protocol: PROTOCOL_VERSION, machineId });
    if (hello.more) {
      conn.pendingHello = { ...hello, sessions: [...hello.sessions] };
      return;
    }
    reconcile(conn, hello);
  }

  function onReports(conn: Conn, page: Extract<MachineUp, { type: 'session-reports' }>, n: number): void {
    const pending = conn.pendingHello;
    if (!pending) return send(conn, { type: 'error', code: SocketError.badFrame, message: 'session-reports must follow a hello with more: true' });
    if (pending.sessions.length + page.sessions.length > SESSION_REPORTS_MAX) {
      return refuse(conn, CloseCode.badHello, SocketError.badHello, `a machine may report at most ${SESSION_REPORTS_MAX} sessions`);
    }
    for (const r of page.sessions) pending.sessions.push(r);
    if (!page.last) return;
    conn.pendingHello = null;
    reconcile(conn, pending, n);
  }

  function reconcile(conn: Conn, hello: Hello, frame?: number): void {
    try {
      events.onHello(conn.machineId!, hello);
    } catch (err) {
      applyFailed(conn, 'the hello', err, frame);
    }
  }

  function onClose(conn: Conn): void {
    if (conn.timer) clearTimeout(conn.timer);
    all.delete(conn);
    goneAway(conn);
  }

  /** The machine is no longer reachable through this socket: offline, its pending work failed as for a drop. */
  function goneAway(conn: Conn): void {
    if (!closing && conn.machineId && current.get(conn.machineId) === conn) {
      current.delete(conn.machineId);
      history.onDisconnect(conn.machineId);
      try {
        events.onDisconnect(conn.machineId, conn.lastFrameAt);
      } catch (err) {
        ctx.log(`machine ${conn.machineId}: disconnect failed: ${(err as Error).stack ?? err}`);
      }
    }
  }

  return {
    accept(ws) {
      const conn: Conn = { ws, machineId: null, deviceId: null, lastFrameAt: ctx.now(), timer: null, frames: 0, failed: false, pendingHello: null, revoked: false };
      all.add(conn);
      arm(conn, HELLO_TIMEOUT_MS);
      ws.on('message', (data, isBinary) => onFrame(conn, isBinary ? '' : data.toString()));
      // The socket's autoPong is off: a pong confirms every frame before its ping, so none is sent after a failure.
      ws.on('ping', (data) => {
        if (!conn.failed && !conn.revoked && ws.readyState === ws.OPEN) ws.pong(data);
      });
      ws.on('close', () => onClose(conn));
      ws.on('error', (err) => ctx.log(`machine socket error: ${err.message}`));
    },
    send(machineId, msg) {
      const conn = current.get(machineId);
      if (!conn) return false;
      send(conn, msg);
      return true;
    },
    isConnected: (machineId) => current.has(machineId),
    handOver(machineId) {
      const conn = current.get(machineId);
      if (!conn) return;
      current.delete(machineId);
      conn.ws.close(CloseCode.replaced, CloseReason.replaced);
    },
    held: () => [...current.keys()],
    disconnectDevice(deviceId) {
      for (const conn of all) {
        if (conn.deviceId !== deviceId || conn.revoked) continue;
        // Deaf at once, offline at once (not when the close handshake ends or times out, 30 s later).
        conn.revoked = true;
        goneAway(conn);
        conn.ws.close(CloseCode.unauthorized, CloseReason.revoked);
        const t = setTimeout(() => conn.ws.terminate(), REVOKED_GRACE_MS);
        t.unref();
        conn.ws.once('close', () => clearTimeout(t));
      }
    },
    close() {
      closing = true;
      for (const conn of all) {
        if (conn.timer) clearTimeout(conn.timer);
        conn.ws.terminate();
      }
    },
  };
}
