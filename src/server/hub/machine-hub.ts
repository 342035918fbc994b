// The machine socket (/api/machine): hello with a machine token, heartbeats, and routing frames both ways.
import type { WebSocket } from 'ws';
import { MachineUpSchema, PROTOCOL_VERSION, parseInput, type MachineDown } from '../../core/index.ts';
import { lookupToken } from '../auth.ts';
import type { MachineLink, ServerContext } from '../context.ts';
import type { MachineEvents } from '../orchestrator/machine-events.ts';

const HELLO_TIMEOUT_MS = 5_000;

interface Conn {
  readonly ws: WebSocket;
  machineId: string | null;
  deviceId: string | null;
  lastFrameAt: number;
  timer: NodeJS.Timeout | null;
}

export interface MachineHub extends MachineLink {
  accept(ws: WebSocket): void;
  close(): void;
}

export function createMachineHub(ctx: ServerContext, events: MachineEvents): MachineHub {
  const current = new Map<string, Conn>();
  const all = new Set<Conn>();
  // Set while the server stops: closing sockets then is not the machines going away (pending resumes survive).
  let closing = false;

  function send(conn: Conn, msg: MachineDown): void {
    if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(JSON.stringify(msg));
  }

  function refuse(conn: Conn, closeCode: number, code: string, message: string): void {
    send(conn, { type: 'error', code, message });
    conn.ws.close(closeCode, code);
  }

  function arm(conn: Conn, ms: number): void {
    if (conn.timer) clearTimeout(conn.timer);
    // No frame for this long: the daemon (or its network) is gone; closing runs the offline path.
    conn.timer = setTimeout(() => conn.ws.terminate(), ms);
    conn.timer.unref();
  }

  function onFrame(conn: Conn, data: string): void {
    conn.lastFrameAt = ctx.now();
    if (conn.machineId) arm(conn, ctx.heartbeatTimeoutMs);
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return send(conn, { type: 'error', code: 'bad-frame', message: 'frames must be JSON' });
    }
    if (conn.machineId === null) return onHello(conn, json);
    const parsed = parseInput(MachineUpSchema, json);
    if (!parsed.ok) return send(conn, { type: 'error', code: 'bad-frame', message: parsed.message });
    const msg = parsed.value;
    if (msg.type === 'heartbeat') return;
    if (msg.type === 'hello') return send(conn, { type: 'error', code: 'bad-frame', message: 'hello was already received' });
    try {
      events.onMessage(conn.machineId, msg);
    } catch (err) {
      ctx.log(`machine ${conn.machineId}: ${msg.type} failed: ${(err as Error).stack ?? err}`);
      send(conn, { type: 'error', code: 'internal', message: `the server could not apply ${msg.type}` });
    }
  }

  function onHello(conn: Conn, json: unknown): void {
    const protocol = (json as { protocol?: unknown } | null)?.protocol;
    if ((json as { type?: unknown } | null)?.type !== 'hello') return refuse(conn, 4400, 'hello-expected', 'the first frame must be hello');
    if (protocol !== PROTOCOL_VERSION) return refuse(conn, 4400, 'protocol', `this server speaks protocol ${PROTOCOL_VERSION}, the daemon sent ${String(protocol)}`);
    const parsed = parseInput(MachineUpSchema, json);
    if (!parsed.ok || parsed.value.type !== 'hello') return refuse(conn, 4400, 'bad-hello', parsed.ok ? 'bad hello' : parsed.message);
    const hello = parsed.value;
    const found = lookupToken(ctx, hello.token);
    if (found.type !== 'device' || found.device.kind !== 'machine' || !found.device.machine_id) {
      return refuse(conn, 4401, 'unauthorized', found.type === 'revoked' ? 'this machine’s token was revoked; pair it again' : 'not a machine token');
    }
    const machineId = found.device.machine_id;
    const previous = current.get(machineId);
    conn.machineId = machineId;
    conn.deviceId = found.device.id;
    current.set(machineId, conn);
    // A reconnect that beat the old socket's close: the new one takes over; the old one's close changes nothing.
    if (previous && previous !== conn) previous.ws.close(4409, 'replaced');
    arm(conn, ctx.heartbeatTimeoutMs);
    send(conn, { type: 'welcome', protocol: PROTOCOL_VERSION, machineId });
    try {
      events.onHello(machineId, hello);
    } catch (err) {
      ctx.log(`machine ${machineId}: hello failed: ${(err as Error).stack ?? err}`);
    }
  }

  function onClose(conn: Conn): void {
    if (conn.timer) clearTimeout(conn.timer);
    all.delete(conn);
    if (!closing && conn.machineId && current.get(conn.machineId) === conn) {
      current.delete(conn.machineId);
      try {
        events.onDisconnect(conn.machineId, conn.lastFrameAt);
      } catch (err) {
        ctx.log(`machine ${conn.machineId}: disconnect failed: ${(err as Error).stack ?? err}`);
      }
    }
  }

  return {
    accept(ws) {
      const conn: Conn = { ws, machineId: null, deviceId: null, lastFrameAt: ctx.now(), timer: null };
      all.add(conn);
      arm(conn, HELLO_TIMEOUT_MS);
      ws.on('message', (data, isBinary) => onFrame(conn, isBinary ? '' : data.toString()));
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
    disconnectDevice(deviceId) {
      for (const conn of all) if (conn.deviceId === deviceId) conn.ws.close(4401, 'revoked');
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

