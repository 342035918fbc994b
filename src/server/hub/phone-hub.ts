// The events socket (/api/events) for phones, CLIs and share viewers: "something changed" hints and live messages.
import type { WebSocket } from 'ws';
import { PROTOCOL_VERSION, PhoneUpSchema, parseInput, type MessageRecord, type PhoneDown } from '../../core/index.ts';
import { lookupToken } from '../auth.ts';
import type { PhoneLink, ServerContext } from '../context.ts';

const HELLO_TIMEOUT_MS = 5_000;
/**
 * At most one `changed` per account in this window (the first at once, the latest cursor at its end): a busy agent
 * makes a change per event, and every `changed` sends every phone of the account to GET /api/sync.
 */
export const CHANGED_WINDOW_MS = 100;

interface Conn {
  readonly ws: WebSocket;
  /** Set for device sockets. */
  accountId: string | null;
  deviceId: string | null;
  /** Set for share viewers: they only ever see this session's messages, until the share ends. */
  sharedSessionId: string | null;
  shareId: string | null;
  shareExpiresAt: number;
  timer: NodeJS.Timeout | null;
  /** The session this socket's app shows in the foreground (its `foreground` frame), or null. */
  foreground: string | null;
}

/** setTimeout's longest delay; a 30-day share re-arms instead of firing at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface PhoneHub extends PhoneLink {
  accept(ws: WebSocket): void;
  /** Whether an open socket of this device says its app shows this session in the foreground now. */
  showing(deviceId: string, sessionId: string): boolean;
  close(): void;
}

/** The underlying socket, to cork it while a batch of frames is written (ws keeps it in `_socket`). */
type Corkable = { _socket?: { cork(): void; uncork(): void } | null };

export function createPhoneHub(ctx: ServerContext): PhoneHub {
  const all = new Set<Conn>();
  /** Device sockets by account: a fan-out visits only the account's sockets, not every one. */
  const byAccount = new Map<string, Set<Conn>>();
  /** Share viewers by session. */
  const bySession = new Map<string, Set<Conn>>();
  const changedWindows = new Map<string, { timer: NodeJS.Timeout; cursor: number | null }>();
  /**
   * Frames broadcast in this turn of the event loop, per socket, written once its I/O is handled (setImmediate):
   * everything a busy server read in one turn leaves in one write per socket, not one write per frame.
   */
  let pending = new Map<Conn, Buffer[]>();

  function send(conn: Conn, msg: PhoneDown): void {
    if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(JSON.stringify(msg));
  }

  function enqueue(conn: Conn, frame: Buffer): void {
    if (pending.size === 0) setImmediate(flush);
    const list = pending.get(conn);
    if (list) list.push(frame);
    else pending.set(conn, [frame]);
  }

  function flush(): void {
    const batch = pending;
    pending = new Map();
    for (const [conn, frames] of batch) {
      if (conn.ws.readyState !== conn.ws.OPEN) continue;
      const socket = (conn.ws as unknown as Corkable)._socket;
      socket?.cork();
      // Serialized once for every recipient; sent as text frames.
      for (const frame of frames) conn.ws.send(frame, { binary: false });
      socket?.uncork();
    }
  }

  const frameOf = (msg: PhoneDown): Buffer => Buffer.from(JSON.stringify(msg));

  function index<K>(map: Map<K, Set<Conn>>, key: K, conn: Conn): void {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(conn);
  }

  function unindex<K>(map: Map<K, Set<Conn>>, key: K | null, conn: Conn): void {
    if (key === null) return;
    const set = map.get(key);
    set?.delete(conn);
    if (set?.size === 0) map.delete(key);
  }

  function broadcastChanged(accountId: string, cursor: number): void {
    const conns = byAccount.get(accountId);
    if (!conns) return;
    const frame = frameOf({ type: 'changed', cursor });
    for (const conn of conns) enqueue(conn, frame);
  }

  function refuse(conn: Conn, closeCode: number, code: string, message: string): void {
    send(conn, { type: 'error', code, message });
    conn.ws.close(closeCode, code);
  }

  function onFrame(conn: Conn, data: string): void {
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return send(conn, { type: 'error', code: 'bad-frame', message: 'frames must be JSON' });
    }
    const parsed = parseInput(PhoneUpSchema, json);
    if (!parsed.ok) {
      if (conn.accountId === null && conn.sharedSessionId === null) return refuse(conn, 4400, 'bad-hello', parsed.message);
      return send(conn, { type: 'error', code: 'bad-frame', message: parsed.message });
    }
    const msg = parsed.value;
    if (msg.type === 'ping') return send(conn, { type: 'pong' });
    if (msg.type === 'foreground') {
      if (conn.accountId === null && conn.sharedSessionId === null) return refuse(conn, 4400, 'hello-expected', 'send hello first');
      // A share viewer's screen suppresses nothing: share links never get notifications.
      if (conn.deviceId !== null) conn.foreground = msg.sessionId;
      return;
    }
    if (conn.accountId !== null || conn.sharedSessionId !== null) return send(conn, { type: 'error', code: 'bad-frame', message: 'hello was already received' });
    if (msg.protocol !== PROTOCOL_VERSION) return refuse(conn, 4400, 'protocol', `this server speaks protocol ${PROTOCOL_VERSION}, the client sent ${msg.protocol}`);
    const token = msg.token ?? msg.shareToken;
    const found = token ? lookupToken(ctx, token) : { type: 'unknown' as const };
    if (msg.token && found.type === 'device') {
      conn.accountId = found.device.account_id;
      conn.deviceId = found.device.id;
      index(byAccount, conn.accountId, conn);
    } else if (msg.shareToken && found.type === 'share') {
      conn.sharedSessionId = found.share.session_id;
      index(bySession, conn.sharedSessionId, conn);
      conn.shareId = found.share.id;
      conn.shareExpiresAt = found.share.expires_at;
    } else {
      return refuse(conn, 4401, 'unauthorized', found.type === 'revoked' ? 'this device’s token was revoked; pair it again' : 'unknown or expired token');
    }
    if (conn.timer) clearTimeout(conn.timer);
    conn.timer = null;
    const cursor = conn.accountId ? ctx.stores.cursor.current(conn.accountId) : 0;
    send(conn, { type: 'welcome', protocol: PROTOCOL_VERSION, cursor });
    if (conn.shareId) armShareExpiry(conn);
  }

  /** A share viewer's socket ends with its share: a link that no longer opens the transcript must not keep streaming it. */
  function armShareExpiry(conn: Conn): void {
    const left = conn.shareExpiresAt - ctx.now();
    if (left <= 0) return endShare(conn, 'share-expired', 'this share link has expired');
    conn.timer = setTimeout(() => armShareExpiry(conn), Math.min(left, MAX_TIMER_MS));
    conn.timer.unref();
  }

  function endShare(conn: Conn, code: string, message: string): void {
    if (conn.timer) clearTimeout(conn.timer);
    conn.timer = null;
    unindex(bySession, conn.sharedSessionId, conn);
    conn.sharedSessionId = null;
    refuse(conn, 4401, code, message);
  }

  return {
    accept(ws) {
      const conn: Conn = { ws, accountId: null, deviceId: null, sharedSessionId: null, shareId: null, shareExpiresAt: 0, timer: null, foreground: null };
      all.add(conn);
      conn.timer = setTimeout(() => refuse(conn, 4400, 'hello-expected', 'send hello first'), HELLO_TIMEOUT_MS);
      conn.timer.unref();
      ws.on('message', (data) => onFrame(conn, data.toString()));
      ws.on('close', () => {
        if (conn.timer) clearTimeout(conn.timer);
        all.delete(conn);
        unindex(byAccount, conn.accountId, conn);
        unindex(bySession, conn.sharedSessionId, conn);
      });
      ws.on('error', (err) => ctx.log(`events socket error: ${err.message}`));
    },
    showing(deviceId, sessionId) {
      for (const conn of all) if (conn.deviceId === deviceId && conn.foreground === sessionId && conn.ws.readyState === conn.ws.OPEN) return true;
      return false;
    },
    changed(accountId, cursor) {
      const window = changedWindows.get(accountId);
      if (window) {
        // Inside the window: the latest cursor goes out when it ends.
        window.cursor = Math.max(window.cursor ?? 0, cursor);
        return;
      }
      broadcastChanged(accountId, cursor);
      const w = { cursor: null as number | null, timer: setTimeout(() => {
        changedWindows.delete(accountId);
        if (w.cursor !== null) broadcastChanged(accountId, w.cursor);
      }, CHANGED_WINDOW_MS) };
      w.timer.unref();
      changedWindows.set(accountId, w);
    },
    message(accountId: string, message: MessageRecord) {
      const frame = frameOf({ type: 'message', message });
      for (const conn of byAccount.get(accountId) ?? []) enqueue(conn, frame);
      for (const conn of bySession.get(message.sessionId) ?? []) {
        // Checked again here too: the expiry timer runs on wall time, the share's deadline on the server's clock.
        if (ctx.now() >= conn.shareExpiresAt) endShare(conn, 'share-expired', 'this share link has expired');
        else enqueue(conn, frame);
      }
    },
    disconnectDevice(deviceId) {
      for (const conn of all) if (conn.deviceId === deviceId) conn.ws.close(4401, 'revoked');
    },
    disconnectShare(shareId) {
      for (const conn of all) if (conn.shareId === shareId && conn.sharedSessionId !== null) endShare(conn, 'share-revoked', 'this share link was revoked');
    },
    close() {
      for (const w of changedWindows.values()) clearTimeout(w.timer);
      changedWindows.clear();
      for (const conn of all) {
        if (conn.timer) clearTimeout(conn.timer);
        conn.ws.terminate();
      }
    },
  };
}
